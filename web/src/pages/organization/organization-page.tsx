// Organization: one Region's accounts × models heat map from the engine's stored verdicts, with
// filters by OU, Region and provider; a cell opens the engine's explanation, path by path.
import { Group, Select, Stack, Text, Title } from "@mantine/core";
import { useMemo, useRef, useState } from "react";
import { DEFAULT_MATRIX_FILTER } from "../../api/region-matrix";
import { QueryState } from "../../components/query-state";
import { type VerdictCode, VerdictLegend } from "../../components/verdict-codes";
import { VerdictHeatMap } from "../../components/verdict-heat-map";
import { ExplanationDrawer } from "./explanation-drawer";
import { type Cell, type MatrixPage, useOrgUnits, useRegionMatrix } from "./organization-queries";

interface Row {
  id: string;
  name: string;
  cells: string;
  /** Model id → position in `cells` (per page: each page lists its own models). */
  index: Map<string, number>;
}

/** The pages merged: every model seen (by id) and every account with its page's model index. */
function merge(pages: readonly MatrixPage[]) {
  const models = new Map<string, string>();
  const rows: Row[] = [];
  const counts: Partial<Record<VerdictCode, number>> = {};
  for (const page of pages) {
    const index = new Map(page.models.map((m, i) => [m.id, i]));
    for (const m of page.models) models.set(m.id, m.provider);
    for (const a of page.accounts) {
      rows.push({ id: a.id, name: a.name, cells: a.cells, index });
      for (const code of a.cells) counts[code as VerdictCode] = (counts[code as VerdictCode] ?? 0) + 1;
    }
  }
  const modelList = [...models].map(([id, provider]) => ({ id, provider })).sort((a, b) => (a.id < b.id ? -1 : 1));
  // Cells of models a page does not list are "not offered" to its accounts.
  let absent = 0;
  for (const page of pages) absent += page.accounts.length * (modelList.length - page.models.length);
  counts["-"] = (counts["-"] ?? 0) + absent;
  return { models: modelList, rows, counts };
}

export function OrganizationPage() {
  const [region, setRegion] = useState(DEFAULT_MATRIX_FILTER.region);
  const [ouId, setOuId] = useState<string | null>(null);
  const [provider, setProvider] = useState<string | null>(null);
  const [open, setOpen] = useState<Cell>();
  const matrix = useRegionMatrix({
    region,
    ...(ouId ? { ouId } : {}),
    ...(provider ? { provider } : {}),
  });
  const units = useOrgUnits();
  const pages = matrix.data?.pages;
  const merged = useMemo(() => merge(pages ?? []), [pages]);
  // Providers and Regions seen so far stay pickable while a filter narrows the data.
  const seenProviders = useRef(new Set<string>());
  for (const m of merged.models) seenProviders.current.add(m.provider);
  const regions = pages?.[0]?.regions ?? [region];

  const codeAt = (r: number, c: number): VerdictCode => {
    const row = merged.rows[r];
    const model = merged.models[c];
    if (!row || !model) return "-";
    const i = row.index.get(model.id);
    return (i === undefined ? "-" : (row.cells[i] ?? "-")) as VerdictCode;
  };

  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Organization
        </Title>
        <Text c="dimmed" size="sm">
          Whether each model can be called in each account, as the reachability engine judged it at the last
          reconciliation. Select a cell for the explanation, path by path.
        </Text>
      </div>
      <Group align="flex-end">
        <Select
          label="Region"
          data={[...new Set([...regions, region])].sort()}
          value={region}
          onChange={(v) => v && setRegion(v)}
          allowDeselect={false}
          w={170}
        />
        <Select
          label="Organizational unit"
          placeholder="All accounts"
          data={(units.data ?? []).map((u) => ({ value: u.id, label: `${u.path} (${u.accountsInSubtree})` }))}
          value={ouId}
          onChange={setOuId}
          clearable
          searchable
          w={300}
        />
        <Select
          label="Provider"
          placeholder="All providers"
          data={[...seenProviders.current].sort()}
          value={provider}
          onChange={setProvider}
          clearable
          searchable
          w={200}
        />
      </Group>
      <VerdictLegend counts={merged.counts} />
      <QueryState query={matrix}>
        {() => (
          <Stack gap="xs">
            <Text size="sm" data-testid="matrix-summary">
              {merged.rows.length.toLocaleString()} {merged.rows.length === 1 ? "account" : "accounts"} ×{" "}
              {merged.models.length} {merged.models.length === 1 ? "model" : "models"} in {region}
              {matrix.hasNextPage ? " (loading more accounts…)" : ""}
            </Text>
            {merged.rows.length === 0 ? (
              <Text c="dimmed">No account matches these filters.</Text>
            ) : (
              <VerdictHeatMap
                accounts={merged.rows}
                models={merged.models}
                codeAt={codeAt}
                height={Math.min(620, 170 + merged.rows.length * 26)}
                onOpen={(r, c) => {
                  const row = merged.rows[r];
                  const model = merged.models[c];
                  if (row && model) setOpen({ accountId: row.id, accountName: row.name, modelId: model.id });
                }}
              />
            )}
          </Stack>
        )}
      </QueryState>
      <ExplanationDrawer cell={open} region={region} onClose={() => setOpen(undefined)} />
    </Stack>
  );
}
