// Home: what the signed-in person needs first: their requests, what waits for them (decisions,
// plans to apply), open findings by severity, and whether the inventory and the invocation
// evidence are fresh.
import { Card, Group, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { usePrincipal } from "../../auth/principal";
import { mayUse } from "../../components/navigation";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import {
  SEVERITIES,
  useLastIngestion,
  useLastSync,
  useMyRequests,
  useOpenFindingCounts,
  usePendingRequests,
  usePlansToApply,
} from "./home-queries";

function Panel({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder padding="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function MyRequests() {
  const query = useMyRequests(true);
  return (
    <Panel title="My requests">
      <QueryState query={query}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">You have not filed any request.</Text>
          ) : (
            // Scrolls sideways on a phone; focusable so the keyboard can scroll it too (axe).
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            <section className="table-scroll" tabIndex={0} aria-label="My requests, table">
              <Table striped miw={460}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Model</Table.Th>
                    <Table.Th>Accounts</Table.Th>
                    <Table.Th>Regions</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Filed</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td>{r.target}</Table.Td>
                      <Table.Td>{r.accountIds.join(", ")}</Table.Td>
                      <Table.Td>{r.regions.join(", ")}</Table.Td>
                      <Table.Td>
                        <StatusBadge value={r.status} />
                      </Table.Td>
                      <Table.Td>
                        <Time value={r.createdAt} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </section>
          )
        }
      </QueryState>
    </Panel>
  );
}

function WaitingForMe({ decides, applies, person }: { decides: boolean; applies: boolean; person: string }) {
  const pending = usePendingRequests(decides);
  const plans = usePlansToApply(applies);
  return (
    <Panel title="Waiting for me">
      <Stack gap="sm">
        {decides && (
          <QueryState query={pending}>
            {(page) => {
              // Separation of duties: nobody decides their own request.
              const mine = page.items.filter((r) => r.requesterId !== person);
              return (
                <div>
                  <Text fw={600}>
                    {mine.length === 0
                      ? "No request waits for a decision."
                      : `${mine.length} ${mine.length === 1 ? "request" : "requests"} to decide`}
                  </Text>
                  {mine.slice(0, 5).map((r) => (
                    <Text key={r.id} size="sm">
                      {r.requesterName}: {r.target} in {r.accountIds.join(", ")} ({r.regions.join(", ")}), {r.approvals}
                      /{r.requiredApprovals} approvals
                    </Text>
                  ))}
                </div>
              );
            }}
          </QueryState>
        )}
        {applies && (
          <QueryState query={plans}>
            {(page) => (
              <div>
                <Text fw={600}>
                  {page.items.length === 0
                    ? "No remediation plan waits to be applied."
                    : `${page.items.length} ${page.items.length === 1 ? "plan" : "plans"} to apply`}
                </Text>
                {page.items.slice(0, 5).map((p) => (
                  <Text key={p.id} size="sm">
                    Plan {p.id.slice(0, 8)}: {p.changes.length} changes, planned <Time value={p.createdAt} />
                  </Text>
                ))}
              </div>
            )}
          </QueryState>
        )}
      </Stack>
    </Panel>
  );
}

function OpenFindings() {
  const counts = useOpenFindingCounts();
  return (
    <Panel title="Open findings">
      <Group gap="lg">
        {SEVERITIES.map((severity, i) => {
          const q = counts[i];
          return (
            <Stack key={severity} gap={2} align="center">
              <StatusBadge value={severity} />
              <Text size="xl" fw={700} data-testid={`findings-${severity}`}>
                {q?.error ? "?" : q?.data ? `${q.data.count}${q.data.more ? "+" : ""}` : "…"}
              </Text>
            </Stack>
          );
        })}
      </Group>
    </Panel>
  );
}

function Freshness() {
  const sync = useLastSync();
  const ingestion = useLastIngestion();
  return (
    <Panel title="Inventory and evidence">
      <Stack gap="xs">
        <QueryState query={sync}>
          {(run) =>
            run === null ? (
              <Text>No inventory sync has run yet.</Text>
            ) : (
              <Group gap="xs">
                <Text>Last sync</Text>
                <StatusBadge value={run.status} />
                <Text size="sm" c="dimmed">
                  {run.progress.succeeded}/{run.progress.total} account-Regions, finished{" "}
                  <Time value={run.finishedAt} />
                </Text>
              </Group>
            )
          }
        </QueryState>
        <QueryState query={ingestion}>
          {(last) =>
            last === null ? (
              <Text>No invocation ingestion has run yet.</Text>
            ) : (
              <Group gap="xs">
                <Text>Last invocation ingestion</Text>
                <StatusBadge value={last.status} />
                <Text size="sm" c="dimmed">
                  {last.eventsAdded} events added, finished <Time value={last.finishedAt} />
                </Text>
              </Group>
            )
          }
        </QueryState>
      </Stack>
    </Panel>
  );
}

export function HomePage() {
  const me = usePrincipal();
  const files = mayUse(me.roles, "requester");
  const decides = mayUse(me.roles, "approver");
  const applies = mayUse(me.roles, "admin");
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Welcome, {me.name}
        </Title>
        <Text c="dimmed" size="sm">
          Signed in as {me.roles.join(", ")}
        </Text>
      </div>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {files && <MyRequests />}
        {(decides || applies) && <WaitingForMe decides={decides} applies={applies} person={me.person ?? me.id} />}
        <OpenFindings />
        <Freshness />
      </SimpleGrid>
    </Stack>
  );
}
