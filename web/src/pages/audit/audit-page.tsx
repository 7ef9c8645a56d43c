// Audit log (auditor, admin): search by actor, action, target, request id and time; newest first,
// "load more" pages on; an event's before/after; the chain's verification status.
import { Anchor, Button, Card, Group, Modal, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { JsonView } from "../../components/json-view";
import { MODAL } from "../../components/modal-props";
import { QueryState } from "../../components/query-state";
import { Time } from "../../components/time";
import { type AuditEvent, type AuditFilter, useAuditEvents } from "./audit-queries";
import { ChainStatus } from "./chain-status";

type Filter = Omit<AuditFilter, "limit" | "cursor">;
const FIELDS = [
  { key: "actorId", label: "Actor id", placeholder: "apikey:… or oidc:…" },
  { key: "action", label: "Action", placeholder: "api_key.create" },
  { key: "targetType", label: "Target type", placeholder: "access_request" },
  { key: "targetId", label: "Target id", placeholder: "" },
  { key: "requestId", label: "Request id", placeholder: "" },
] as const;
type TextKey = (typeof FIELDS)[number]["key"];

/** A datetime-local value (the reader's time) as an ISO instant, or nothing. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

function SearchForm({ onSearch }: { onSearch: (f: Filter) => void }) {
  const [text, setText] = useState<Record<TextKey, string>>({
    actorId: "",
    action: "",
    targetType: "",
    targetId: "",
    requestId: "",
  });
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f: Filter = {};
    for (const { key } of FIELDS) if (text[key].trim()) f[key] = text[key].trim();
    const f0 = instant(from);
    const t0 = instant(to);
    if (f0) f.from = f0;
    if (t0) f.to = t0;
    onSearch(f);
  };
  return (
    <Card withBorder component="section" aria-label="Search the audit log">
      <form onSubmit={submit}>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
          {FIELDS.map(({ key, label, placeholder }) => (
            <TextInput
              key={key}
              label={label}
              placeholder={placeholder}
              value={text[key]}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setText((t) => ({ ...t, [key]: value }));
              }}
            />
          ))}
          <TextInput
            type="datetime-local"
            label="From (inclusive)"
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
          <TextInput
            type="datetime-local"
            label="To (exclusive)"
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">Search</Button>
        </Group>
      </form>
    </Card>
  );
}

function EventDetail({ event, onClose }: { event: AuditEvent | undefined; onClose: () => void }) {
  return (
    <Modal
      {...MODAL}
      opened={event !== undefined}
      onClose={onClose}
      title={event ? `Audit event ${event.id}` : ""}
      size="xl"
    >
      {event && (
        <Stack gap="sm">
          <Text size="sm">
            <Time value={event.occurredAt} />: {event.actorName ?? event.actorId} ({event.actorType},{" "}
            {event.actorRoles.join(", ") || "no role"}) did <strong>{event.action}</strong> on {event.targetType}{" "}
            {event.targetId ?? ""}
          </Text>
          <Text size="sm">Actor id: {event.actorId}</Text>
          <Text size="sm">Request id: {event.requestId ?? "—"}</Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <JsonView label="Before" value={event.before} />
            <JsonView label="After" value={event.after} />
          </SimpleGrid>
          <Text size="xs" c="dimmed" className="break-all">
            Hash {event.hash}, previous {event.prevHash}
          </Text>
        </Stack>
      )}
    </Modal>
  );
}

function Events({ filter }: { filter: Filter }) {
  const events = useAuditEvents(filter);
  const [open, setOpen] = useState<AuditEvent | undefined>();
  return (
    <Card withBorder component="section" aria-label="Audit events">
      <Title order={2} size="h4" mb="sm">
        Events
      </Title>
      <QueryState query={events}>
        {(data) => {
          const items = data.pages.flatMap((p) => p.items);
          if (items.length === 0) return <Text c="dimmed">No audit event matches.</Text>;
          return (
            <Stack gap="sm">
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
              <section className="table-scroll" tabIndex={0} aria-label="Audit events, table">
                <Table striped miw={820}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Id</Table.Th>
                      <Table.Th>When</Table.Th>
                      <Table.Th>Actor</Table.Th>
                      <Table.Th>Action</Table.Th>
                      <Table.Th>Target</Table.Th>
                      <Table.Th>Request id</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {items.map((e) => (
                      <Table.Tr key={e.id} data-testid="audit-row">
                        <Table.Td>
                          <Anchor component="button" type="button" size="sm" onClick={() => setOpen(e)}>
                            {e.id}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          <Time value={e.occurredAt} />
                        </Table.Td>
                        <Table.Td title={e.actorId}>{e.actorName ?? e.actorId}</Table.Td>
                        <Table.Td>{e.action}</Table.Td>
                        <Table.Td className="break-all">
                          {e.targetType}
                          {e.targetId ? ` ${e.targetId}` : ""}
                        </Table.Td>
                        <Table.Td className="break-all">{e.requestId ?? "—"}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </section>
              <Group>
                {events.hasNextPage ? (
                  <Button variant="default" loading={events.isFetchingNextPage} onClick={() => events.fetchNextPage()}>
                    Load more
                  </Button>
                ) : (
                  <Text size="sm" c="dimmed">
                    {items.length} {items.length === 1 ? "event" : "events"}, no more.
                  </Text>
                )}
              </Group>
            </Stack>
          );
        }}
      </QueryState>
      <EventDetail event={open} onClose={() => setOpen(undefined)} />
    </Card>
  );
}

export function AuditPage() {
  const [filter, setFilter] = useState<Filter>({});
  return (
    <Stack>
      <Title order={1} size="h2">
        Audit log
      </Title>
      <ChainStatus />
      <SearchForm onSearch={setFilter} />
      <Events filter={filter} />
    </Stack>
  );
}
