// Findings: filter (type, severity, status, account, Region, model), group (by type, account or
// model), suppress with a reason and an end date (admins and approvers; the API decides), and go
// to the doctor or to the policies and plans that fix a finding.
import { Button, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { usePrincipal } from "../../auth/principal";
import { mayUse } from "../../components/navigation";
import { QueryState } from "../../components/query-state";
import { SEVERITIES } from "../home/home-queries";
import { FINDING_TYPES, type Finding, type FindingFilter, STATUSES, useFindings } from "./findings-queries";
import { FindingsTable } from "./findings-table";
import { SuppressModal } from "./suppress-modal";

type GroupBy = "none" | "type" | "account" | "model";
const GROUP_KEY: Record<Exclude<GroupBy, "none">, (f: Finding) => string> = {
  type: (f) => f.type,
  account: (f) => f.accountId,
  model: (f) => f.modelId ?? "(no model)",
};

export function FindingsPage() {
  const me = usePrincipal();
  const maySuppress = mayUse(me.roles, "admin", "approver");
  const [filter, setFilter] = useState<FindingFilter>({ status: "open" });
  const [draft, setDraft] = useState({ accountId: "", region: "", modelId: "" });
  const [groupBy, setGroupBy] = useState<GroupBy>("none");
  const [suppressing, setSuppressing] = useState<Finding>();
  const findings = useFindings(filter);
  const items = useMemo(() => findings.data?.pages.flatMap((p) => p.items) ?? [], [findings.data]);
  const groups = useMemo(() => {
    if (groupBy === "none") return [{ key: "", items }];
    const byKey = new Map<string, Finding[]>();
    for (const f of items) {
      const key = GROUP_KEY[groupBy](f);
      byKey.set(key, [...(byKey.get(key) ?? []), f]);
    }
    return [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, list]) => ({ key, items: list }));
  }, [items, groupBy]);

  const set = <K extends keyof FindingFilter>(key: K, value: FindingFilter[K] | null) =>
    setFilter((f) => {
      const next = { ...f };
      if (value === null || value === undefined || value === "") delete next[key];
      else next[key] = value;
      return next;
    });

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Findings
        </Title>
        <Text c="dimmed" size="sm">
          What the reconciliation of the catalog with the inventory found, newest first.
        </Text>
      </div>
      <Group align="flex-end" gap="sm">
        <Select
          label="Type"
          placeholder="Any type"
          data={[...FINDING_TYPES]}
          value={filter.type ?? null}
          onChange={(v) => set("type", v as FindingFilter["type"])}
          clearable
          searchable
          w={300}
        />
        <Select
          label="Severity"
          placeholder="Any"
          data={[...SEVERITIES]}
          value={filter.severity ?? null}
          onChange={(v) => set("severity", v as FindingFilter["severity"])}
          clearable
          w={130}
        />
        <Select
          label="Status"
          placeholder="Any"
          data={[...STATUSES]}
          value={filter.status ?? null}
          onChange={(v) => set("status", v as FindingFilter["status"])}
          clearable
          w={140}
        />
      </Group>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setFilter((f) => {
            const next = { ...f };
            for (const key of ["accountId", "region", "modelId"] as const) {
              const value = draft[key].trim();
              if (value) next[key] = value;
              else delete next[key];
            }
            return next;
          });
        }}
      >
        <Group align="flex-end" gap="sm">
          <TextInput
            label="Account id"
            value={draft.accountId}
            onChange={(e) => setDraft({ ...draft, accountId: e.currentTarget.value })}
            w={160}
          />
          <TextInput
            label="Region"
            value={draft.region}
            onChange={(e) => setDraft({ ...draft, region: e.currentTarget.value })}
            w={140}
          />
          <TextInput
            label="Model id"
            value={draft.modelId}
            onChange={(e) => setDraft({ ...draft, modelId: e.currentTarget.value })}
            w={280}
          />
          <Button type="submit" variant="default">
            Apply filters
          </Button>
        </Group>
      </form>
      <Group gap="sm">
        <Text size="sm" id="group-by-label">
          Group by
        </Text>
        <SegmentedControl
          aria-labelledby="group-by-label"
          data-testid="group-by"
          value={groupBy}
          onChange={(v) => setGroupBy(v as GroupBy)}
          data={[
            { value: "none", label: "None" },
            { value: "type", label: "Type" },
            { value: "account", label: "Account" },
            { value: "model", label: "Model" },
          ]}
        />
      </Group>
      <QueryState query={findings}>
        {() =>
          items.length === 0 ? (
            <Text c="dimmed">No finding matches these filters.</Text>
          ) : (
            <Stack gap="md">
              <Text size="sm" data-testid="findings-count">
                {items.length} {items.length === 1 ? "finding" : "findings"}
                {findings.hasNextPage ? " shown (more available)" : ""}
              </Text>
              {groups.map((g) => (
                <FindingsTable
                  key={g.key || "all"}
                  title={g.key ? `${g.key} (${g.items.length})` : undefined}
                  items={g.items}
                  maySuppress={maySuppress}
                  onSuppress={setSuppressing}
                />
              ))}
              {findings.hasNextPage && (
                <Button
                  variant="default"
                  onClick={() => void findings.fetchNextPage()}
                  loading={findings.isFetchingNextPage}
                >
                  Load more
                </Button>
              )}
            </Stack>
          )
        }
      </QueryState>
      {maySuppress && <SuppressModal finding={suppressing} onClose={() => setSuppressing(undefined)} />}
    </Stack>
  );
}
