// Catalog: the entries in force and each one's history (who, when, why, version, change set);
// admins edit one entry as a form or the whole document as YAML (schema-checked, diff, reason).
import { Alert, Button, Drawer, Group, Modal, Stack, Table, Tabs, Text, Textarea, Title } from "@mantine/core";
import { lazy, Suspense, useState } from "react";
import { Link } from "react-router";
import { usePrincipal } from "../../auth/principal";
import { mayUse } from "../../components/navigation";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { type CatalogEntry, useCatalogEntries, useDeleteEntry, useEntryHistory } from "./catalog-queries";

// The YAML editor brings the yaml parser, the schema validator and the diff: only when opened.
const CatalogYamlEditor = lazy(async () => ({ default: (await import("./catalog-yaml-editor")).CatalogYamlEditor }));
const CatalogEntryForm = lazy(async () => ({ default: (await import("./catalog-entry-form")).CatalogEntryForm }));

function scopeText(scope: CatalogEntry["scope"]): string {
  if (scope === "organization") return "organization";
  return "ou" in scope ? `OU ${scope.ou}` : `account ${scope.account}`;
}

function History({ id, onClose }: { id: string; onClose: () => void }) {
  const history = useEntryHistory(id);
  return (
    <Drawer
      closeButtonProps={{ "aria-label": "Close" }}
      lockScroll={false}
      opened
      onClose={onClose}
      position="right"
      size="xl"
      title={`History of ${id}`}
    >
      <QueryState query={history}>
        {(items) => (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          <section className="table-scroll" tabIndex={0} aria-label="Entry history">
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Version</Table.Th>
                  <Table.Th>Change</Table.Th>
                  <Table.Th>By</Table.Th>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Why</Table.Th>
                  <Table.Th>Change set</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {[...items].reverse().map((v) => (
                  <Table.Tr key={v.version}>
                    <Table.Td>{v.version}</Table.Td>
                    <Table.Td>{v.op}</Table.Td>
                    <Table.Td>{v.changedBy}</Table.Td>
                    <Table.Td>
                      <Time value={v.validFrom} />
                    </Table.Td>
                    <Table.Td>{v.reason}</Table.Td>
                    <Table.Td>
                      <code title={v.changeSetId}>{v.changeSetId.slice(0, 8)}</code>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </section>
        )}
      </QueryState>
    </Drawer>
  );
}

function RemoveEntry({ id, version, onClose }: { id: string; version: number; onClose: () => void }) {
  const remove = useDeleteEntry();
  const [reason, setReason] = useState("");
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      lockScroll={false}
      opened
      onClose={onClose}
      title={`Remove entry ${id}`}
    >
      <Stack gap="sm">
        <Text size="sm">The entry stops allowing its model; a reconciliation follows.</Text>
        <Textarea label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        {remove.error && (
          <Alert color="red" title="Not removed">
            {remove.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red.8"
            disabled={reason.trim() === ""}
            loading={remove.isPending}
            onClick={() => remove.mutate({ id, version, reason: reason.trim() }, { onSuccess: onClose })}
          >
            Remove
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Entries({ admin }: { admin: boolean }) {
  const entries = useCatalogEntries();
  const [history, setHistory] = useState<string | null>(null);
  const [editing, setEditing] = useState<{ entry: CatalogEntry | null; version?: number } | null>(null);
  const [removing, setRemoving] = useState<{ id: string; version: number } | null>(null);
  return (
    <Stack gap="sm">
      {admin && (
        <Group>
          <Button onClick={() => setEditing({ entry: null })}>Add entry</Button>
        </Group>
      )}
      <QueryState query={entries}>
        {(items) =>
          items.length === 0 ? (
            <Text c="dimmed">The catalog is empty: no model is approved.</Text>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            <section className="table-scroll" tabIndex={0} aria-label="Catalog entries">
              <Table striped miw={900}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Id</Table.Th>
                    <Table.Th>Model</Table.Th>
                    <Table.Th>Scope</Table.Th>
                    <Table.Th>Regions</Table.Th>
                    <Table.Th>Owner</Table.Th>
                    <Table.Th>Justification</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>Version</Table.Th>
                    <Table.Th>Actions</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map(({ entry, version, changedBy, validFrom }) => (
                    <Table.Tr key={entry.id}>
                      <Table.Td>{entry.id}</Table.Td>
                      <Table.Td>
                        <code>{entry.model}</code>
                        {entry.entitlement && <StatusBadge value="entitlement" />}
                      </Table.Td>
                      <Table.Td>{scopeText(entry.scope)}</Table.Td>
                      <Table.Td>{entry.regions?.join(", ") ?? (entry.geography ? entry.geography : "every")}</Table.Td>
                      <Table.Td>{entry.owner}</Table.Td>
                      <Table.Td>{entry.justification}</Table.Td>
                      <Table.Td>
                        <Time value={entry.expiresAt} />
                      </Table.Td>
                      <Table.Td>
                        <span title={`by ${changedBy}, ${validFrom}`}>v{version}</span>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <Button size="compact-xs" variant="default" onClick={() => setHistory(entry.id)}>
                            History<span className="visually-hidden"> of {entry.id}</span>
                          </Button>
                          <Button
                            size="compact-xs"
                            variant="default"
                            component={Link}
                            to={`/doctor?model=${encodeURIComponent(entry.model)}`}
                          >
                            Doctor<span className="visually-hidden"> for {entry.id}</span>
                          </Button>
                          {admin && (
                            <>
                              <Button
                                size="compact-xs"
                                variant="default"
                                onClick={() => setEditing({ entry, version })}
                              >
                                Edit<span className="visually-hidden"> {entry.id}</span>
                              </Button>
                              <Button
                                size="compact-xs"
                                variant="default"
                                color="red"
                                onClick={() => setRemoving({ id: entry.id, version })}
                              >
                                Remove<span className="visually-hidden"> {entry.id}</span>
                              </Button>
                            </>
                          )}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </section>
          )
        }
      </QueryState>
      {history && <History id={history} onClose={() => setHistory(null)} />}
      {editing && (
        <Suspense fallback={null}>
          <CatalogEntryForm entry={editing.entry} version={editing.version} onClose={() => setEditing(null)} />
        </Suspense>
      )}
      {removing && <RemoveEntry {...removing} onClose={() => setRemoving(null)} />}
    </Stack>
  );
}

export function CatalogPage() {
  const me = usePrincipal();
  const admin = mayUse(me.roles, "admin");
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Catalog
        </Title>
        <Text c="dimmed" size="sm">
          The approved models: who may call what, where, and why. Every change keeps who, when and why.
        </Text>
      </div>
      {admin ? (
        <Tabs defaultValue="entries" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="entries">Entries</Tabs.Tab>
            <Tabs.Tab value="yaml">Edit as YAML</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="entries" pt="md">
            <Entries admin />
          </Tabs.Panel>
          <Tabs.Panel value="yaml" pt="md">
            <Suspense fallback={<Text size="sm">Loading the editor…</Text>}>
              <CatalogYamlEditor />
            </Suspense>
          </Tabs.Panel>
        </Tabs>
      ) : (
        <Entries admin={false} />
      )}
    </Stack>
  );
}
