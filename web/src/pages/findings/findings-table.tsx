// One table of findings (a group, or all of them), with links to the doctor and to plans.
import { Anchor, Button, Group, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import type { Finding } from "./findings-queries";

function doctorLink(f: Finding) {
  const q = new URLSearchParams({ accountId: f.accountId });
  if (f.region) q.set("region", f.region);
  if (f.modelId) q.set("model", f.modelId);
  return `/doctor?${q}`;
}

export function FindingsTable({
  title,
  items,
  maySuppress,
  onSuppress,
}: {
  title: string | undefined;
  items: readonly Finding[];
  maySuppress: boolean;
  onSuppress: (f: Finding) => void;
}) {
  const label = title ? `Findings: ${title}` : "Findings, table";
  return (
    <section aria-label={label}>
      {title && (
        <Title order={2} size="h5" mb={4}>
          {title}
        </Title>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section className="table-scroll" tabIndex={0} aria-label={`${label}, scrollable`}>
        <Table striped miw={900} verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Severity</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Where</Table.Th>
              <Table.Th>Detail</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((f) => (
              <Table.Tr key={f.id} data-testid="finding-row">
                <Table.Td>
                  <StatusBadge value={f.severity} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" className="nowrap">
                    {f.type}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">
                    {f.accountId}
                    {f.region ? ` · ${f.region}` : ""}
                    {f.modelId ? ` · ${f.modelId}` : ""}
                    {f.gate ? ` · gate ${f.gate}` : ""}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{f.detail}</Text>
                  {f.status === "suppressed" && (
                    <Text size="xs" c="dimmed">
                      Suppressed until <Time value={f.suppressedUntil} />: {f.suppressedReason}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <StatusBadge value={f.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs">
                    <Time value={f.lastSeenAt} />
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Anchor component={Link} to={doctorLink(f)} size="xs">
                      Doctor
                    </Anchor>
                    <Anchor component={Link} to={`/policies?accountId=${f.accountId}`} size="xs">
                      Plan
                    </Anchor>
                    {maySuppress && f.status === "open" && (
                      <Button size="compact-xs" variant="default" onClick={() => onSuppress(f)}>
                        Suppress
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </section>
    </section>
  );
}
