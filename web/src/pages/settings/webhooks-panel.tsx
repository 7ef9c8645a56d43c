// Webhooks: list, create (the signing secret shown once), edit, delete, and each one's deliveries
// with their outcome.

import {
  Alert,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  MultiSelect,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { WEBHOOK_EVENT_TYPES } from "../../../../src/modules/requests/access-request.types";
import { MODAL } from "../../components/modal-props";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { ConfirmModal } from "./confirm-modal";
import { RowDangerButton } from "./row-danger-button";
import {
  editProblem,
  useDeleteWebhook,
  useDeliveries,
  useSaveWebhook,
  useWebhooks,
  type Webhook,
  type WebhookBody,
} from "./settings-queries";

function WebhookForm({ editing, onDone }: { editing: Webhook | undefined; onDone: () => void }) {
  const [name, setName] = useState(editing?.name ?? "");
  const [url, setUrl] = useState(editing?.url ?? "");
  const [events, setEvents] = useState<string[]>(editing?.eventTypes ?? ["*"]);
  const [format, setFormat] = useState<WebhookBody["format"]>(editing?.format ?? "json");
  const [active, setActive] = useState(editing?.active ?? true);
  const save = useSaveWebhook();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      {
        body: { name: name.trim(), url: url.trim(), eventTypes: events, format, active },
        ...(editing ? { editing } : {}),
      },
      { onSuccess: (out) => (out.secret ? undefined : onDone()) },
    );
  };
  if (save.data?.secret)
    return (
      <Alert color="yellow" title="Webhook created: copy its signing secret now" data-testid="webhook-secret">
        <Stack gap="xs">
          <Text size="sm">Deliveries are signed with this secret (X-Governor-Signature); it is not shown again.</Text>
          <Group gap="xs" wrap="nowrap">
            <Code className="break-all">{save.data.secret}</Code>
            <CopyButton value={save.data.secret}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onDone}>Done</Button>
          </Group>
        </Stack>
      </Alert>
    );
  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <TextInput label="Webhook name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
        <TextInput
          label="URL"
          description={editing ? "Shown shortened; leave it as is to keep the stored URL" : "https://…"}
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          required
        />
        <MultiSelect
          label="Events"
          description="* for every event"
          data={["*", ...WEBHOOK_EVENT_TYPES]}
          value={events}
          onChange={setEvents}
          required
        />
        <Select
          label="Format"
          data={[
            { value: "json", label: "JSON" },
            { value: "slack", label: "Slack" },
          ]}
          value={format}
          onChange={(v) => setFormat((v ?? "json") as WebhookBody["format"])}
          allowDeselect={false}
          w={160}
        />
        <Checkbox label="Active" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
        {save.error && (
          <Alert color="red" title="The webhook was not saved">
            {editProblem(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing ? "Save webhook" : "Create webhook"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Deliveries({ webhook, onClose }: { webhook: Webhook | undefined; onClose: () => void }) {
  const deliveries = useDeliveries(webhook?.id);
  return (
    <Modal
      {...MODAL}
      opened={webhook !== undefined}
      onClose={onClose}
      title={`Deliveries of "${webhook?.name ?? ""}"`}
      size="xl"
    >
      <QueryState query={deliveries}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">Nothing delivered yet.</Text>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Event</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>Last answer</Table.Th>
                  <Table.Th>Last attempt</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.items.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>{d.eventType}</Table.Td>
                    <Table.Td>
                      <StatusBadge value={d.status} />
                    </Table.Td>
                    <Table.Td>{d.attempts}</Table.Td>
                    <Table.Td>{d.lastStatusCode ?? d.lastError ?? "—"}</Table.Td>
                    <Table.Td>
                      <Time value={d.lastAttemptAt} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </QueryState>
    </Modal>
  );
}

export function WebhooksPanel() {
  const hooks = useWebhooks();
  const remove = useDeleteWebhook();
  // The form stays rendered while the modal fades out; a new key gives each opening a fresh form.
  const [form, setForm] = useState<{ editing?: Webhook; key: number } | undefined>();
  const [formOpen, setFormOpen] = useState(false);
  const openForm = (editing?: Webhook) => {
    setForm({ ...(editing ? { editing } : {}), key: Date.now() });
    setFormOpen(true);
  };
  const [deleting, setDeleting] = useState<Webhook | undefined>();
  const [showing, setShowing] = useState<Webhook | undefined>();
  return (
    <Stack>
      <Group>
        <Button onClick={() => openForm()}>New webhook</Button>
      </Group>
      <QueryState query={hooks}>
        {(list) =>
          list.items.length === 0 ? (
            <Text c="dimmed">No webhook is registered.</Text>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            <section className="table-scroll" tabIndex={0} aria-label="Webhooks, table">
              <Table striped miw={860}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>URL</Table.Th>
                    <Table.Th>Events</Table.Th>
                    <Table.Th>Format</Table.Th>
                    <Table.Th>Active</Table.Th>
                    <Table.Th>Updated</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.items.map((w) => (
                    <Table.Tr key={w.id} data-testid="webhook-row">
                      <Table.Td>{w.name}</Table.Td>
                      <Table.Td className="break-all">{w.url}</Table.Td>
                      <Table.Td>{w.eventTypes.join(", ")}</Table.Td>
                      <Table.Td>{w.format}</Table.Td>
                      <Table.Td>{w.active ? "yes" : "no"}</Table.Td>
                      <Table.Td>
                        <Time value={w.updatedAt} />
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="light"
                            aria-label={`Deliveries of ${w.name}`}
                            onClick={() => setShowing(w)}
                          >
                            Deliveries
                          </Button>
                          <Button size="xs" variant="light" aria-label={`Edit ${w.name}`} onClick={() => openForm(w)}>
                            Edit
                          </Button>
                          <RowDangerButton
                            verb="Delete"
                            name={w.name}
                            onClick={() => {
                              remove.reset();
                              setDeleting(w);
                            }}
                          />
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
      <Modal
        {...MODAL}
        opened={formOpen}
        onClose={() => setFormOpen(false)}
        title={form?.editing ? `Edit webhook "${form.editing.name}"` : "New webhook"}
        size="lg"
      >
        {form && <WebhookForm key={form.key} editing={form.editing} onDone={() => setFormOpen(false)} />}
      </Modal>
      <Deliveries webhook={showing} onClose={() => setShowing(undefined)} />
      <ConfirmModal
        title="Delete webhook"
        message={`Delete "${deleting?.name ?? ""}"? No more events are sent to it.`}
        action="Delete webhook"
        opened={deleting !== undefined}
        pending={remove.isPending}
        error={remove.error}
        onClose={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(undefined) })}
      />
    </Stack>
  );
}
