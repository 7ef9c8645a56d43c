// API keys: list, create (the secret shown once, with a copy button), revoke after confirmation.

import { Alert, Button, Checkbox, Code, CopyButton, Group, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { ROLES, type Role } from "../../../../src/kernel/principal";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { ConfirmModal } from "./confirm-modal";
import { RowDangerButton } from "./row-danger-button";
import { type ApiKey, useApiKeys, useCreateApiKey, useRevokeApiKey } from "./settings-queries";

function CreateKey() {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [expires, setExpires] = useState("");
  const [service, setService] = useState(false);
  const create = useCreateApiKey();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      {
        name: name.trim(),
        role,
        ...(expires ? { expiresAt: `${expires}T00:00:00.000Z` } : {}),
        ...(service ? { service: true } : {}),
      },
      { onSuccess: () => setName("") },
    );
  };
  return (
    <Stack gap="sm">
      <form onSubmit={submit} aria-label="Create an API key">
        <Group align="flex-end" gap="sm" wrap="wrap">
          <TextInput label="Key name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
          <Select
            label="Role"
            data={[...ROLES]}
            value={role}
            onChange={(v) => setRole((v ?? "viewer") as Role)}
            allowDeselect={false}
            w={160}
          />
          <TextInput
            type="date"
            label="Expires (UTC, optional)"
            value={expires}
            onChange={(e) => setExpires(e.currentTarget.value)}
          />
          <Checkbox
            label="Service key (acts for nobody)"
            checked={service}
            onChange={(e) => setService(e.currentTarget.checked)}
            mb={8}
          />
          <Button type="submit" loading={create.isPending}>
            Create key
          </Button>
        </Group>
      </form>
      {create.error && (
        <Alert color="red" title="The key was not created">
          {create.error.message}
        </Alert>
      )}
      {create.data && (
        <Alert color="yellow" title={`Key "${create.data.apiKey.name}" created: copy it now`} data-testid="new-secret">
          <Stack gap="xs">
            <Text size="sm">This is the only time the secret is shown; it cannot be read again.</Text>
            <Group gap="xs" wrap="nowrap">
              <Code className="break-all" data-testid="secret-value">
                {create.data.secret}
              </Code>
              <CopyButton value={create.data.secret}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="default" onClick={copy}>
                    {copied ? "Copied" : "Copy"}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Group>
              <Button size="xs" variant="subtle" onClick={() => create.reset()}>
                I have stored it, hide it
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}

export function ApiKeysPanel() {
  const keys = useApiKeys();
  const revoke = useRevokeApiKey();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  return (
    <Stack>
      <CreateKey />
      <QueryState query={keys}>
        {(page) => (
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
          <section className="table-scroll" tabIndex={0} aria-label="API keys, table">
            <Table striped miw={900}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Key id</Table.Th>
                  <Table.Th>Owner</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {page.items.map((k) => (
                  <Table.Tr key={k.id} data-testid="api-key-row">
                    <Table.Td>{k.name}</Table.Td>
                    <Table.Td>{k.role}</Table.Td>
                    <Table.Td>
                      <Code>{k.keyId}</Code>
                    </Table.Td>
                    <Table.Td className="break-all">{k.service ? "service key" : (k.owner ?? "—")}</Table.Td>
                    <Table.Td>
                      <StatusBadge value={k.status} />
                    </Table.Td>
                    <Table.Td>
                      <Time value={k.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Time value={k.expiresAt} />
                    </Table.Td>
                    <Table.Td>
                      <Time value={k.lastUsedAt} />
                    </Table.Td>
                    <Table.Td>
                      {k.status === "active" && (
                        <RowDangerButton
                          verb="Revoke"
                          name={k.name}
                          onClick={() => {
                            revoke.reset();
                            setRevoking(k);
                          }}
                        />
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </section>
        )}
      </QueryState>
      <ConfirmModal
        title="Revoke API key"
        message={`Revoke "${revoking?.name ?? ""}" (${revoking?.keyId ?? ""})? Anything using it stops working at once; the key stays listed for the record.`}
        action="Revoke key"
        opened={revoking !== undefined}
        pending={revoke.isPending}
        error={revoke.error}
        onClose={() => setRevoking(undefined)}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(undefined) })}
      />
    </Stack>
  );
}
