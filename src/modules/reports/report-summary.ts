// The executive summary: the period's key figures beside those of the previous period of equal
// length, with their trend, and the three things that need attention, said in sentences.
import { type CoverageRow, overall } from "./report-coverage.js";
import type { OpenFinding, PeriodFigures, ReportEvidenceRepository } from "./report-evidence.repository.js";
import type { Cell, ColumnKind, ReportMeta, ReportSection } from "./reports.types.js";

const DAY_MS = 86_400_000;
const SEVERITIES = ["critical", "high", "medium", "low"] as const;
const AGE_BUCKETS = ["under 7 days", "7 to 30 days", "30 to 90 days", "over 90 days"] as const;

export type Trend = "up" | "down" | "same";
export const trendOf = (value: number | null, previous: number | null): Trend | null =>
  value === null || previous === null ? null : value > previous ? "up" : value < previous ? "down" : "same";

export interface Kpi {
  kpi: string;
  value: number | null;
  previous: number | null;
  note?: string;
}

const SUMMARY_COLUMNS = ["kpi", "value", "previous_period", "trend", "note"] as const;
const SUMMARY_KINDS: readonly ColumnKind[] = ["text", "number", "number", "text", "text"];

const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
const sum = (f: PeriodFigures, pick: (r: PeriodFigures["openFindings"][number]) => boolean) =>
  f.openFindings.filter(pick).reduce((n, r) => n + r.n, 0);

export function kpis(
  cur: PeriodFigures,
  prev: PeriodFigures,
  extra: { approved: number; approvedBefore: number; reachable: number; coverage: readonly CoverageRow[] },
): Kpi[] {
  const gaps = extra.coverage.filter((r) => overall(r) !== "complete").length;
  return [
    { kpi: "Accounts in scope", value: cur.accountsInScope, previous: prev.accountsInScope },
    { kpi: "Accounts with inventory read in the period", value: cur.accountsCovered, previous: prev.accountsCovered },
    { kpi: "Regions with inventory read in the period", value: cur.regionsCovered, previous: prev.regionsCovered },
    {
      kpi: "Account-Regions with missing or partial data",
      value: gaps,
      previous: null,
      note: "see the coverage statement",
    },
    { kpi: "Approved models (catalog entries in force)", value: extra.approved, previous: extra.approvedBefore },
    {
      kpi: "Reachable models (usable in some account-Region)",
      value: extra.reachable,
      previous: null,
      note: "reachability is known as of the last inventory sync only",
    },
    ...SEVERITIES.map((s) => ({
      kpi: `Open findings: ${s}`,
      value: sum(cur, (r) => r.severity === s),
      previous: sum(prev, (r) => r.severity === s),
      note: "open at the end of the period",
    })),
    ...AGE_BUCKETS.map((b) => ({
      kpi: `Open findings aged ${b}`,
      value: sum(cur, (r) => r.bucket === b),
      previous: sum(prev, (r) => r.bucket === b),
    })),
    { kpi: "Unapproved invocations", value: cur.unapprovedInvocations, previous: prev.unapprovedInvocations },
    { kpi: "Access requests decided", value: cur.requestsDecided, previous: prev.requestsDecided },
    {
      kpi: "Median hours from request to decision",
      value: round2(cur.medianDecisionHours),
      previous: round2(prev.medianDecisionHours),
    },
    {
      kpi: "Self-approval attempts refused",
      value: cur.selfDecisionsRefused,
      previous: prev.selfDecisionsRefused,
      note: "separation of duties: nobody decides their own request",
    },
  ];
}

const where = (f: OpenFinding) =>
  `account ${f.account_id}${f.region ? ` (${f.region})` : ""}${f.model_id ? ` for ${f.model_id}` : ""}`;

/** What the report says when no account-Region is in scope. */
export const NO_COVERAGE =
  "No account-Region is in scope: the organization has never been synced, or the scope holds no account. There is no inventory to judge, and the figures below cover only what was recorded without it.";

/** The three things that need attention, most pressing first. */
export function attention(
  cur: PeriodFigures,
  prev: PeriodFigures,
  oldest: readonly OpenFinding[],
  coverage: readonly CoverageRow[],
  asOf: Date,
): string[] {
  const out: string[] = [];
  // An empty scope is a gap of its own, not a clean bill: nothing was there to be judged.
  if (coverage.length === 0) out.push(NO_COVERAGE);
  const critical = sum(cur, (r) => r.severity === "critical");
  const high = sum(cur, (r) => r.severity === "high");
  const first = oldest[0];
  if (first !== undefined) {
    const days = Math.floor((asOf.getTime() - first.first_seen_at.getTime()) / DAY_MS);
    out.push(
      `${critical} critical and ${high} high findings are open; the longest open is ${first.severity} ${first.type} in ${where(first)}, open ${days} day(s) since ${first.first_seen_at.toISOString()}.`,
    );
  }
  const gaps = coverage.filter((r) => overall(r) !== "complete");
  if (gaps.length > 0) {
    const missing = gaps.filter((r) => overall(r) === "missing").length;
    // Unreachable accounts first: their calls are not in this report at all.
    const rank = (r: CoverageRow) => (/unreachable/.test(r.inventoryReason) ? 0 : overall(r) === "missing" ? 1 : 2);
    const examples = [...gaps]
      .sort((a, b) => rank(a) - rank(b))
      .slice(0, 2)
      .map(
        (r) =>
          `${r.accountId}${r.region ? ` ${r.region}` : ""}: ${r.inventory === "complete" ? r.invocationsReason : r.inventoryReason}`,
      );
    out.push(
      `${gaps.length} account-Region(s) have incomplete data for the period (${missing} missing, ${gaps.length - missing} partial), e.g. ${examples.join("; ")}.`,
    );
  }
  if (cur.unapprovedInvocations > 0)
    out.push(
      `${cur.unapprovedInvocations} invocation(s) of models not approved for their account and Region (${cur.unapprovedInvocations > prev.unapprovedInvocations ? "up" : cur.unapprovedInvocations < prev.unapprovedInvocations ? "down" : "unchanged"} from ${prev.unapprovedInvocations} in the previous period).`,
    );
  if (cur.selfDecisionsRefused > 0)
    out.push(`${cur.selfDecisionsRefused} attempt(s) to decide one's own access request were refused.`);
  if (out.length === 0)
    out.push(
      "Nothing needs attention: no critical or high finding is open, every account-Region's data is complete and no unapproved model was invoked.",
    );
  return out.slice(0, 3);
}

export async function summarySection(
  evidence: ReportEvidenceRepository,
  meta: ReportMeta,
  input: { approved: number; approvedBefore: number; coverage: readonly CoverageRow[]; mappingVersion: number },
): Promise<ReportSection> {
  const ids = meta.accountIds ?? null;
  const length = meta.to.getTime() - meta.from.getTime();
  const prevFrom = new Date(meta.from.getTime() - length);
  const asOf = new Date(Math.min(meta.to.getTime(), meta.generatedAt.getTime()));
  const [cur, prev, reachable, oldest] = await Promise.all([
    evidence.figures(meta.from, meta.to, asOf, ids),
    evidence.figures(prevFrom, meta.from, meta.from, ids),
    evidence.reachableModels(ids),
    evidence.oldestOpen(asOf, ids, 1),
  ]);
  const rows = kpis(cur, prev, { ...input, reachable });
  const scope = meta.scope.kind === "organization" ? "the organization" : `${meta.scope.kind} ${meta.scope.id}`;
  async function* cells(): AsyncGenerator<Cell[]> {
    for (const k of rows) yield [k.kpi, k.value, k.previous, trendOf(k.value, k.previous), k.note ?? null];
  }
  return {
    id: "summary",
    title: "Executive summary",
    description: `Period ${meta.from.toISOString()} to ${meta.to.toISOString()}, scope ${scope}; each figure beside the previous period of equal length (${prevFrom.toISOString()} to ${meta.from.toISOString()}).`,
    columns: SUMMARY_COLUMNS,
    kinds: SUMMARY_KINDS,
    lead: attention(cur, prev, oldest, input.coverage, asOf),
    rows: cells(),
    summary: {
      period_from: meta.from.toISOString(),
      period_to: meta.to.toISOString(),
      previous_from: prevFrom.toISOString(),
      previous_to: meta.from.toISOString(),
      scope,
      control_mapping_version: input.mappingVersion,
    },
  };
}
