// Whether the audit log's hash chain is intact: verified up to the head, or where it breaks; and
// the head as exported (signed with Ed25519 when the service has a signing key).
import { Alert, Badge, Button, Card, Code, Group, Stack, Text, Title } from "@mantine/core";
import { QueryState } from "../../components/query-state";
import { Time } from "../../components/time";
import { useChainVerification, useSignedHead } from "./audit-queries";

const REASONS: Record<string, string> = {
  content_altered: "an entry's content was changed after it was written",
  link_broken: "an entry does not link to the one before it",
  tail_missing: "entries at the end of the chain are missing",
  anchor_mismatch: "the anchored head no longer matches",
};

export function ChainStatus() {
  const verify = useChainVerification();
  const head = useSignedHead();
  return (
    <Card withBorder component="section" aria-label="Chain verification">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Chain verification
        </Title>
        <Button
          size="xs"
          variant="default"
          loading={verify.isFetching}
          onClick={() => {
            void verify.refetch();
            void head.refetch();
          }}
        >
          Verify again
        </Button>
      </Group>
      <Stack gap="xs">
        <QueryState query={verify}>
          {(v) =>
            v.ok ? (
              <Group gap="xs" data-testid="chain-status">
                <Badge color="green.8" variant="filled">
                  intact
                </Badge>
                <Text size="sm">
                  Verified {v.checked} {v.checked === 1 ? "entry" : "entries"}, up to id {v.head.id}.
                </Text>
              </Group>
            ) : (
              <Alert color="red" title="The chain is broken" data-testid="chain-status">
                {v.firstBroken ? (
                  <>
                    At audit event {v.firstBroken.id}
                    {v.firstBroken.previousId ? ` (after ${v.firstBroken.previousId})` : ""}:{" "}
                    {REASONS[v.firstBroken.reason] ?? v.firstBroken.reason}. {v.firstBroken.detail}
                  </>
                ) : (
                  `Checked ${v.checked} entries.`
                )}
              </Alert>
            )
          }
        </QueryState>
        <QueryState query={head}>
          {(h) => (
            <Stack gap={4}>
              <Text size="sm">
                Head: id {h.id}, hash <Code>{h.hash.slice(0, 16)}…</Code>, exported <Time value={h.exportedAt} />
              </Text>
              {h.signature ? (
                <Text size="sm" data-testid="head-signature">
                  Signed ({h.signature.algorithm}, key {h.signature.keyId}): anchor this head elsewhere to detect a
                  rewritten log.
                </Text>
              ) : (
                <Text size="sm" c="dimmed" data-testid="head-signature">
                  Not signed: the service has no audit signing key (AUDIT_SIGNING_KEY_FILE).
                </Text>
              )}
            </Stack>
          )}
        </QueryState>
      </Stack>
    </Card>
  );
}
