// Requests: the requests the signed-in person may see (own; those they may decide; all for admins
// and auditors), filtered by status, each opening its request page.
import { Anchor, Group, Select, Stack, Switch, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { usePrincipal } from "../../auth/principal";
import { mayUse } from "../../components/navigation";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { REQUEST_STATUSES, type RequestStatus, useRequests } from "./requests-queries";

export function RequestsPage() {
  const me = usePrincipal();
  const [status, setStatus] = useState<RequestStatus | null>(null);
  const [mine, setMine] = useState(false);
  const seesOthers = mayUse(me.roles, "approver", "auditor");
  const query = useRequests({ ...(status ? { status } : {}), ...(mine ? { mine: true } : {}) });
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <Title order={1} size="h2">
          Requests
        </Title>
        {mayUse(me.roles, "requester") && (
          <Anchor component={Link} to="/requests/new">
            New request
          </Anchor>
        )}
      </Group>
      <Group align="flex-end">
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={REQUEST_STATUSES.map((s) => ({ value: s, label: s }))}
          value={status}
          onChange={(v) => setStatus(v as RequestStatus | null)}
          w={200}
        />
        {seesOthers && (
          <Switch label="Only mine" checked={mine} onChange={(e) => setMine(e.currentTarget.checked)} mb={6} />
        )}
      </Group>
      <QueryState query={query}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">No request matches.</Text>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            <section className="table-scroll" tabIndex={0} aria-label="Requests, table">
              <Table striped highlightOnHover miw={640}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Model or profile</Table.Th>
                    <Table.Th>Accounts</Table.Th>
                    <Table.Th>Regions</Table.Th>
                    <Table.Th>Requester</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Filed</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((r) => (
                    <Table.Tr key={r.id}>
                      <Table.Td className="break-words">
                        <Anchor component={Link} to={`/requests/${r.id}`}>
                          {r.target}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{r.accountIds.join(", ")}</Table.Td>
                      <Table.Td>{r.regions.join(", ")}</Table.Td>
                      <Table.Td>{r.requesterName}</Table.Td>
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
    </Stack>
  );
}
