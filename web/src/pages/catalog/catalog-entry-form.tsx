// One catalog entry as a form (admin): the common fields, plus the rest as YAML checked by the
// API; saved with PUT /v1/catalog/entries/{id} (If-Match with the version seen) and a reason.
import { Alert, Button, Group, Modal, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useState } from "react";
import { parse, stringify } from "yaml";
import { type CatalogEntry, usePutEntry } from "./catalog-queries";

type Scope = CatalogEntry["scope"];
const FORM_FIELDS = ["id", "model", "scope", "owner", "justification", "expiresAt", "regions"] as const;

function scopeKind(scope: Scope | undefined): "organization" | "ou" | "account" {
  if (scope === undefined || scope === "organization") return "organization";
  return "ou" in scope ? "ou" : "account";
}

export function CatalogEntryForm({
  entry,
  version,
  onClose,
}: {
  entry: CatalogEntry | null;
  version: number | undefined;
  onClose: () => void;
}) {
  const put = usePutEntry();
  const [id, setId] = useState(entry?.id ?? "");
  const [model, setModel] = useState(entry?.model ?? "");
  const [kind, setKind] = useState(scopeKind(entry?.scope));
  const [scopeId, setScopeId] = useState(
    entry && typeof entry.scope === "object" ? ("ou" in entry.scope ? entry.scope.ou : entry.scope.account) : "",
  );
  const [regions, setRegions] = useState(entry?.regions?.join(", ") ?? "");
  const [owner, setOwner] = useState(entry?.owner ?? "");
  const [justification, setJustification] = useState(entry?.justification ?? "");
  const [expiresAt, setExpiresAt] = useState(entry?.expiresAt ?? "");
  const rest = entry
    ? Object.fromEntries(Object.entries(entry).filter(([k]) => !FORM_FIELDS.includes(k as never)))
    : {};
  const [more, setMore] = useState(Object.keys(rest).length > 0 ? stringify(rest) : "");
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const save = () => {
    let extra: Record<string, unknown> = {};
    try {
      extra = more.trim() === "" ? {} : (parse(more) as Record<string, unknown>);
      if (typeof extra !== "object" || extra === null || Array.isArray(extra)) throw new Error("not a mapping");
    } catch (e) {
      setProblem(`Other fields: not a YAML mapping (${(e as Error).message})`);
      return;
    }
    setProblem(null);
    const scope: Scope =
      kind === "organization" ? "organization" : kind === "ou" ? { ou: scopeId } : { account: scopeId };
    const list = regions
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => r !== "");
    const next = {
      ...extra,
      id,
      model,
      scope,
      owner,
      justification,
      ...(list.length > 0 ? { regions: list } : {}),
      ...(expiresAt.trim() !== "" ? { expiresAt: expiresAt.trim() } : {}),
    } as CatalogEntry;
    put.mutate({ entry: next, reason: reason.trim(), version }, { onSuccess: onClose });
  };

  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      lockScroll={false}
      opened
      onClose={onClose}
      title={entry ? `Edit entry ${entry.id}` : "Add an entry"}
      size="lg"
    >
      <Stack gap="sm">
        <TextInput label="Id" required value={id} onChange={(e) => setId(e.currentTarget.value)} disabled={!!entry} />
        <TextInput
          label="Model"
          description="A model id, or a pattern where * matches any run"
          required
          value={model}
          onChange={(e) => setModel(e.currentTarget.value)}
        />
        <Group grow align="flex-start">
          <Select
            label="Scope"
            data={[
              { value: "organization", label: "Organization" },
              { value: "ou", label: "OU (and below)" },
              { value: "account", label: "Account" },
            ]}
            value={kind}
            onChange={(v) => setKind((v ?? "organization") as typeof kind)}
            allowDeselect={false}
          />
          {kind !== "organization" && (
            <TextInput
              label={kind === "ou" ? "OU id" : "Account id"}
              required
              value={scopeId}
              onChange={(e) => setScopeId(e.currentTarget.value)}
            />
          )}
        </Group>
        <TextInput
          label="Regions"
          description="Comma-separated; empty: every Region"
          value={regions}
          onChange={(e) => setRegions(e.currentTarget.value)}
        />
        <TextInput label="Owner" required value={owner} onChange={(e) => setOwner(e.currentTarget.value)} />
        <Textarea
          label="Justification"
          required
          value={justification}
          onChange={(e) => setJustification(e.currentTarget.value)}
        />
        <TextInput
          label="Expires at"
          description="ISO 8601 with offset, e.g. 2027-06-30T00:00:00Z; empty: no expiry"
          value={expiresAt}
          onChange={(e) => setExpiresAt(e.currentTarget.value)}
        />
        <Textarea
          label="Other fields (YAML)"
          description="viaProfiles, geography, conditions, endpoints, retentionModes, apiKeys, acceptAgreement, entitlement"
          value={more}
          onChange={(e) => setMore(e.currentTarget.value)}
          autosize
          minRows={2}
          classNames={{ input: "code-input" }}
        />
        <Textarea label="Reason" required value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        {(problem ?? put.error) && (
          <Alert color="red" title="Not saved">
            {problem ?? put.error?.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={save} loading={put.isPending} disabled={reason.trim() === "" || id === "" || model === ""}>
            Save entry
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
