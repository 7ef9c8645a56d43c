// The scope of a report or an approval rule: the organization, an OU (or root) and below, or one
// account, as the API's Scope schema has it.
import { Group, Select, TextInput } from "@mantine/core";
import type { paths } from "../api/schema";

export type Scope = paths["/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["scope"];
export type ScopeKind = Scope["kind"];

export function scopeOf(kind: ScopeKind, id: string): Scope {
  return kind === "organization" ? { kind } : { kind, id: id.trim() };
}

export function scopeText(scope: Scope): string {
  return scope.kind === "organization" ? "organization" : `${scope.kind} ${scope.id}`;
}

export function ScopeFields({
  kind,
  id,
  onChange,
}: {
  kind: ScopeKind;
  id: string;
  onChange: (kind: ScopeKind, id: string) => void;
}) {
  return (
    <Group align="flex-end" gap="sm" wrap="wrap">
      <Select
        label="Scope"
        data={[
          { value: "organization", label: "Organization" },
          { value: "ou", label: "OU or root (and below)" },
          { value: "account", label: "Account" },
        ]}
        value={kind}
        onChange={(v) => onChange((v ?? "organization") as ScopeKind, id)}
        allowDeselect={false}
        w={220}
      />
      {kind !== "organization" && (
        <TextInput
          label={kind === "ou" ? "OU or root id" : "Account id"}
          placeholder={kind === "ou" ? "ou-abcd-12345678 or r-abcd" : "123456789012"}
          value={id}
          onChange={(e) => onChange(kind, e.currentTarget.value)}
          required
          w={220}
        />
      )}
    </Group>
  );
}
