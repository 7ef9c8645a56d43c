// Approval rules: who decides which requests (scope, provider, data classes), how many approvals,
// and what is automatic. Edits carry the version read; a stale one is refused with a message.

import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { DATA_CLASSIFICATIONS } from "../../../../src/modules/requests/access-request.types";
import { MODAL } from "../../components/modal-props";
import { QueryState } from "../../components/query-state";
import { ScopeFields, type ScopeKind, scopeOf, scopeText } from "../../components/scope-fields";
import { ConfirmModal } from "./confirm-modal";
import { RowDangerButton } from "./row-danger-button";
import {
  type ApprovalRule,
  type ApprovalRuleBody,
  editProblem,
  useApprovalRules,
  useDeleteApprovalRule,
  useSaveApprovalRule,
} from "./settings-queries";

type Approver = "approver" | "admin" | "group";

function RuleForm({ editing, onDone }: { editing: ApprovalRule | undefined; onDone: () => void }) {
  const [name, setName] = useState(editing?.name ?? "");
  const [scope, setScope] = useState<{ kind: ScopeKind; id: string }>({
    kind: editing?.scope.kind ?? "organization",
    id: editing && editing.scope.kind !== "organization" ? editing.scope.id : "",
  });
  const [provider, setProvider] = useState(editing?.providerPattern ?? "*");
  const [classes, setClasses] = useState<string[]>(editing?.dataClassifications ?? []);
  const [approver, setApprover] = useState<Approver>(
    editing?.approverGroup ? "group" : editing?.approverRole === "admin" ? "admin" : "approver",
  );
  const [group, setGroup] = useState(editing?.approverGroup ?? "");
  const [required, setRequired] = useState<number>(editing?.requiredApprovals ?? 1);
  const [autoApprove, setAutoApprove] = useState(editing?.autoApprove ?? false);
  const [autoApply, setAutoApply] = useState(editing?.autoApply ?? false);
  const [provisionVia, setProvisionVia] = useState<ApprovalRuleBody["provisionVia"]>(
    editing?.provisionVia ?? "remediation",
  );
  const save = useSaveApprovalRule();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: ApprovalRuleBody = {
      name: name.trim(),
      scope: scopeOf(scope.kind, scope.id),
      providerPattern: provider.trim() || "*",
      dataClassifications: classes as ApprovalRuleBody["dataClassifications"],
      approverRole: approver === "group" ? null : approver,
      approverGroup: approver === "group" ? group.trim() : null,
      requiredApprovals: required,
      autoApprove,
      autoApply,
      provisionVia,
    };
    save.mutate({ body, ...(editing ? { editing } : {}) }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <TextInput label="Rule name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
        <ScopeFields kind={scope.kind} id={scope.id} onChange={(kind, id) => setScope({ kind, id })} />
        <TextInput
          label="Provider pattern"
          description="A model provider (e.g. anthropic), or * for any"
          value={provider}
          onChange={(e) => setProvider(e.currentTarget.value)}
        />
        <MultiSelect
          label="Data classifications"
          description="Empty: any classification"
          data={[...DATA_CLASSIFICATIONS]}
          value={classes}
          onChange={setClasses}
          clearable
        />
        <Group align="flex-end" gap="sm">
          <Select
            label="Approvers"
            data={[
              { value: "approver", label: "Role: approver" },
              { value: "admin", label: "Role: admin" },
              { value: "group", label: "An IdP group" },
            ]}
            value={approver}
            onChange={(v) => setApprover((v ?? "approver") as Approver)}
            allowDeselect={false}
            w={200}
          />
          {approver === "group" && (
            <TextInput label="Group" value={group} onChange={(e) => setGroup(e.currentTarget.value)} required />
          )}
          <NumberInput
            label="Required approvals"
            min={1}
            max={5}
            value={required}
            onChange={(v) => setRequired(typeof v === "number" ? v : Number(v) || 1)}
            w={160}
          />
        </Group>
        <Checkbox
          label="Approve automatically (no person decides)"
          checked={autoApprove}
          onChange={(e) => setAutoApprove(e.currentTarget.checked)}
        />
        <Checkbox
          label="Apply the remediation plan automatically when provisioning"
          checked={autoApply}
          onChange={(e) => setAutoApply(e.currentTarget.checked)}
        />
        <Select
          label="Provision through"
          description="A managed entitlement: a License Manager grant of the management account's license for the model, deleted when access ends"
          data={[
            { value: "remediation", label: "Remediation plans (SCPs, agreements)" },
            { value: "managed_entitlement", label: "A managed entitlement (License Manager grant)" },
          ]}
          value={provisionVia}
          onChange={(v) => setProvisionVia((v ?? "remediation") as ApprovalRuleBody["provisionVia"])}
          allowDeselect={false}
        />
        {save.error && (
          <Alert color="red" title="The rule was not saved">
            {editProblem(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {editing ? "Save rule" : "Create rule"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ApprovalRulesPanel() {
  const rules = useApprovalRules();
  const remove = useDeleteApprovalRule();
  // The form stays rendered while the modal fades out; a new key gives each opening a fresh form.
  const [form, setForm] = useState<{ editing?: ApprovalRule; key: number } | undefined>();
  const [formOpen, setFormOpen] = useState(false);
  const openForm = (editing?: ApprovalRule) => {
    setForm({ ...(editing ? { editing } : {}), key: Date.now() });
    setFormOpen(true);
  };
  const [deleting, setDeleting] = useState<ApprovalRule | undefined>();
  return (
    <Stack>
      <Group>
        <Button onClick={() => openForm()}>New approval rule</Button>
      </Group>
      <QueryState query={rules}>
        {(list) =>
          list.items.length === 0 ? (
            <Text c="dimmed">No approval rule: every request waits for one approver.</Text>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            <section className="table-scroll" tabIndex={0} aria-label="Approval rules, table">
              <Table striped miw={900}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Scope</Table.Th>
                    <Table.Th>Provider</Table.Th>
                    <Table.Th>Data classes</Table.Th>
                    <Table.Th>Approvers</Table.Th>
                    <Table.Th>Approvals</Table.Th>
                    <Table.Th>Automatic</Table.Th>
                    <Table.Th>Provisioned by</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.items.map((r) => (
                    <Table.Tr key={r.id} data-testid="approval-rule-row">
                      <Table.Td>{r.name}</Table.Td>
                      <Table.Td>{scopeText(r.scope)}</Table.Td>
                      <Table.Td>{r.providerPattern}</Table.Td>
                      <Table.Td>{r.dataClassifications.join(", ") || "any"}</Table.Td>
                      <Table.Td>{r.approverGroup ? `group ${r.approverGroup}` : (r.approverRole ?? "—")}</Table.Td>
                      <Table.Td>{r.requiredApprovals}</Table.Td>
                      <Table.Td>
                        {[r.autoApprove ? "approve" : "", r.autoApply ? "apply" : ""].filter(Boolean).join(", ") ||
                          "no"}
                      </Table.Td>
                      <Table.Td>
                        {r.provisionVia === "managed_entitlement" ? "managed entitlement" : "remediation"}
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <Button size="xs" variant="light" aria-label={`Edit ${r.name}`} onClick={() => openForm(r)}>
                            Edit
                          </Button>
                          <RowDangerButton
                            verb="Delete"
                            name={r.name}
                            onClick={() => {
                              remove.reset();
                              setDeleting(r);
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
        title={form?.editing ? `Edit approval rule "${form.editing.name}"` : "New approval rule"}
        size="lg"
      >
        {form && <RuleForm key={form.key} editing={form.editing} onDone={() => setFormOpen(false)} />}
      </Modal>
      <ConfirmModal
        title="Delete approval rule"
        message={`Delete "${deleting?.name ?? ""}"? Requests it covered fall to the next most specific rule.`}
        action="Delete rule"
        opened={deleting !== undefined}
        pending={remove.isPending}
        error={remove.error}
        onClose={() => setDeleting(undefined)}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(undefined) })}
      />
    </Stack>
  );
}
