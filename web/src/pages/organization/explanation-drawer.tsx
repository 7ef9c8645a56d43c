// The engine's explanation of one cell (GET /v1/reachability): every path (direct, inference
// profiles, bedrock-mantle, Claude Platform) with its status, the gate that stops it and why.
import { Anchor, Badge, Card, Drawer, Group, List, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import { QueryState } from "../../components/query-state";
import { type Cell, useExplanation } from "./organization-queries";

const STATUS_COLOR: Record<string, string> = {
  usable: "green.8",
  pass: "green.8",
  blocked: "red.8",
  fail: "red.8",
  unknown: "yellow.8",
};

function StatusText({ value }: { value: string }) {
  return (
    <Badge color={STATUS_COLOR[value] ?? "gray.8"} variant="filled" miw="max-content">
      {value}
    </Badge>
  );
}

export function ExplanationDrawer({
  cell,
  region,
  onClose,
}: {
  cell: Cell | undefined;
  region: string;
  onClose: () => void;
}) {
  const explanation = useExplanation(cell, region);
  const doctor = cell
    ? `/doctor?${new URLSearchParams({ accountId: cell.accountId, region, model: cell.modelId })}`
    : "/doctor";
  return (
    <Drawer
      opened={cell !== undefined}
      onClose={onClose}
      position="right"
      size="lg"
      closeButtonProps={{ "aria-label": "Close the explanation" }}
      // Mantine's scroll lock injects a style element without the page's CSP nonce.
      lockScroll={false}
      title={cell ? `${cell.modelId} in ${cell.accountName} (${cell.accountId}), ${region}` : ""}
    >
      <QueryState query={explanation}>
        {(e) => (
          <Stack gap="sm" data-testid="explanation">
            <Group gap="xs">
              <Text fw={600}>Verdict</Text>
              <StatusText value={e.status} />
              <Anchor component={Link} to={doctor} size="sm">
                Open in the doctor
              </Anchor>
            </Group>
            {e.paths.length === 0 && <Text c="dimmed">No path reaches this model here.</Text>}
            {e.paths.map((p) => (
              <Card key={p.path} withBorder padding="sm" component="section" aria-label={`Path ${p.path}`}>
                <Group gap="xs" mb={4}>
                  <Text fw={600}>{p.path}</Text>
                  <Text size="sm" c="dimmed">
                    {p.kind.replace("_", " ")}
                    {p.destinations.length > 0 ? `, runs in ${p.destinations.join(", ")}` : ""}
                  </Text>
                  <StatusText value={p.status} />
                  {p.gate && <Text size="sm">at the {p.gate.replace("_", " ")} gate</Text>}
                </Group>
                <Text size="sm" mb={4}>
                  {p.reason}
                </Text>
                <List size="sm" spacing={2}>
                  {p.checks.map((c) => (
                    <List.Item key={c.gate}>
                      <strong>{c.gate.replace("_", " ")}</strong>: {c.status}. {c.reason}
                      {c.fixOwner ? ` Fixed by: ${c.fixOwner.replace("_", " ")}.` : ""}
                    </List.Item>
                  ))}
                </List>
              </Card>
            ))}
          </Stack>
        )}
      </QueryState>
    </Drawer>
  );
}
