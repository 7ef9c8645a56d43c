// The sections of a compliance report, in order, built from the repository's streamed queries.
// Aggregates and catalog versions are small; findings, audit events and invocations are streamed.
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type { ControlMapping } from "./control-mapping.js";
import { describedRemediations, remediationJson } from "./remediation-text.js";
import { COVERAGE_COLUMNS, COVERAGE_KINDS, coverageCells, coverageRows, overall } from "./report-coverage.js";
import type { ReportEvidenceRepository } from "./report-evidence.repository.js";
import { summarySection } from "./report-summary.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Cell, ColumnKind, ReportMeta, ReportSection } from "./reports.types.js";

/** Column kinds from a compact spelling: k token, t time, n number, x text. */
const kinds = (spec: string): ColumnKind[] =>
  [...spec].map((c) => (c === "k" ? "token" : c === "t" ? "time" : c === "n" ? "number" : "text"));

async function* fromArray(rows: Cell[][]): AsyncGenerator<Cell[]> {
  for (const r of rows) yield r;
}

/** Counts rows as they pass, into the section's summary. */
async function* counted(section: ReportSection, rows: AsyncIterable<Cell[]>): AsyncGenerator<Cell[]> {
  let n = 0;
  for await (const r of rows) {
    n++;
    yield r;
  }
  section.summary = { ...(section.summary ?? {}), rows: n };
}

const scopeLabel = (e: CatalogEntry | undefined): string =>
  e === undefined ? "" : e.scope.kind === "organization" ? "organization" : `${e.scope.kind}:${e.scope.id}`;

/** Does a catalog entry concern the report's scope (applies to, or is scoped inside, it)? */
function entryInScope(e: CatalogEntry, scopeIds: ReadonlySet<string> | undefined): boolean {
  if (scopeIds === undefined || e.scope.kind === "organization") return true;
  return scopeIds.has(e.scope.id);
}

export async function buildSections(
  repo: ReportsRepository,
  meta: ReportMeta,
  opts: {
    includeEvents: boolean;
    evidence: ReportEvidenceRepository;
    mapping: ControlMapping;
    lookbackDays: number;
    /** Ids an entry scope may name to concern the report: the accounts, the OUs between, the lineage. */
    scopeIds?: ReadonlySet<string>;
  },
): Promise<ReportSection[]> {
  const { from, to } = meta;
  const ids = meta.accountIds ?? null;
  const inScope = (vs: Awaited<ReturnType<ReportsRepository["catalogVersions"]>>) =>
    vs.filter((v) => entryInScope(v.data as unknown as CatalogEntry, opts.scopeIds));
  const versions = inScope(await repo.catalogVersions(from, to));
  const before = inScope(await repo.catalogVersions(new Date(from.getTime() - (to.getTime() - from.getTime())), from));
  const models = (vs: typeof versions) => new Set(vs.map((v) => String((v.data as { model?: unknown }).model))).size;
  const [accountRegions, ingestionKinds] = await Promise.all([
    opts.evidence.accountRegions(from, to, ids),
    opts.evidence.ingestionKinds(from, to),
  ]);
  const coverage = coverageRows(accountRegions, ingestionKinds, {
    from,
    to,
    now: meta.generatedAt,
    lookbackDays: opts.lookbackDays,
  });
  const summary = await summarySection(opts.evidence, meta, {
    approved: models(versions),
    approvedBefore: models(before),
    coverage,
    mappingVersion: opts.mapping.version,
  });
  const incomplete = coverage.filter((r) => overall(r) !== "complete");
  const findingSummary = await repo.findingSummary(from, to, ids);
  const usageByModel: Cell[][] = [];
  for await (const r of repo.usageRows(from, to, "model", ids)) usageByModel.push(r);
  const usageByAccount: Cell[][] = [];
  for await (const r of repo.usageRows(from, to, "account", ids)) usageByAccount.push(r);
  const chartOf = (rows: Cell[][], label: string) => ({
    label,
    data: rows.slice(0, 12).map((r) => ({ label: String(r[0]), value: Number(r[1]) })),
  });
  const usageColumns = ["key", "invocations", "succeeded", "failed", "accounts", "first_at", "last_at"];
  const usageKinds = kinds("knnnntt");

  const sections: ReportSection[] = [
    summary,
    {
      id: "coverage",
      title: "Coverage statement",
      description:
        "For each account and Region in scope: whether the inventory and the invocation data are complete, partial or missing for the period, and why. An account whose data is missing is listed, never left out.",
      columns: COVERAGE_COLUMNS,
      kinds: COVERAGE_KINDS,
      lead: [
        coverage.length === 0
          ? "No account-Region is in scope (the organization has never been synced, or the scope holds no account): no inventory or invocation data can be stated complete."
          : incomplete.length === 0
            ? `All ${coverage.length} account-Region(s) in scope have complete inventory and invocation data for the period.`
            : `${coverage.length - incomplete.length} of ${coverage.length} account-Region(s) have complete data; ${incomplete.filter((r) => overall(r) === "missing").length} have data missing and ${incomplete.filter((r) => overall(r) === "partial").length} partial data. Figures in this report do not include what these could not show.`,
      ],
      rows: fromArray(coverage.map(coverageCells)),
      summary: {
        account_regions: coverage.length,
        complete: coverage.length - incomplete.length,
        partial: incomplete.filter((r) => overall(r) === "partial").length,
        missing: incomplete.filter((r) => overall(r) === "missing").length,
      },
    },
    {
      id: "catalog",
      title: "Catalog in force",
      description: "Every catalog entry version in force during the period (approved models, grants as entries).",
      columns: [
        "entry_id",
        "version",
        "model",
        "scope",
        "regions",
        "geography",
        "via_profiles",
        "owner",
        "justification",
        "expires_at",
        "valid_from",
        "valid_to",
        "changed_by",
        "changed_by_id",
        "reason",
      ],
      kinds: kinds("knkkkxkxxtttxkx"),
      rows: fromArray(
        versions.map((v) => {
          const e = v.data as unknown as CatalogEntry;
          return [
            v.entry_id,
            v.version,
            e.model,
            scopeLabel(e),
            e.regions?.join(" ") ?? null,
            e.geography ?? null,
            e.viaProfiles?.join(" ") ?? null,
            e.owner,
            e.justification,
            e.expiresAt ?? null,
            v.valid_from.toISOString(),
            v.valid_to?.toISOString() ?? null,
            v.changed_by_name,
            v.changed_by,
            v.reason,
          ];
        }),
      ),
      summary: { versions: versions.length, entries: new Set(versions.map((v) => v.entry_id)).size },
    },
    {
      id: "finding_summary",
      title: "Findings opened and closed",
      description: "Per finding type: opened and resolved in the period, and hours from first seen to resolved.",
      columns: ["type", "opened", "closed", "median_hours_to_resolve", "max_hours_to_resolve"],
      kinds: kinds("knnnn"),
      rows: fromArray(
        findingSummary.map((f) => [
          f.type,
          Number(f.opened),
          Number(f.closed),
          f.median_hours === null ? null : Math.round(f.median_hours * 100) / 100,
          f.max_hours === null ? null : Math.round(Number(f.max_hours) * 100) / 100,
        ]),
      ),
    },
    {
      id: "findings",
      title: "Findings (detail)",
      description: "Each finding opened or resolved in the period.",
      columns: [
        "type",
        "severity",
        "status",
        "account_id",
        "region",
        "model_id",
        "gate",
        "first_seen_at",
        "resolved_at",
        "hours_to_resolve",
        "detail",
      ],
      kinds: kinds("kxxkkkkttnx"),
      rows: repo.findingRows(from, to, ids),
    },
    {
      id: "access_requests",
      title: "Access requests and decisions",
      description:
        "Requests, decisions and approvers from the audit log; self_approved flags a decision by the requester (separation of duties).",
      columns: [
        "occurred_at",
        "action",
        "request_id",
        "account_id",
        "region",
        "model",
        "requester",
        "requester_id",
        "decision",
        "approver",
        "approver_id",
        "comment",
        "actor",
        "actor_id",
        "self_approved",
      ],
      kinds: kinds("tkkkkkxkxxkxxkx"),
      rows: repo.accessRequestRows(from, to, ids),
    },
    {
      id: "remediations",
      title: "Remediations applied",
      description:
        "Policy changes the service applied, from the audit log, each described in a sentence; the changes as recorded (JSON) are in the appendix.",
      columns: ["occurred_at", "action", "actor", "actor_id", "plan_id", "account_id", "change"],
      kinds: kinds("tkxkkkx"),
      rows: describedRemediations(repo.remediationRows(from, to, ids)),
    },
    {
      id: "usage_by_model",
      title: "Invocations by model",
      description: "Bedrock invocations recorded by CloudTrail, by base model (profiles resolved).",
      columns: usageColumns,
      kinds: usageKinds,
      rows: fromArray(usageByModel),
      chart: chartOf(usageByModel, "Invocations by model"),
    },
    {
      id: "usage_by_account",
      title: "Invocations by account",
      description: "Bedrock invocations by account.",
      columns: usageColumns,
      kinds: usageKinds,
      rows: fromArray(usageByAccount),
      chart: chartOf(usageByAccount, "Invocations by account"),
    },
    {
      id: "usage_by_principal",
      title: "Invocations by principal",
      description: "Bedrock invocations by principal (the role for assumed-role sessions).",
      columns: usageColumns,
      kinds: usageKinds,
      rows: repo.usageRows(from, to, "principal", ids),
    },
    {
      id: "unapproved_usage",
      title: "Unapproved usage",
      description:
        "Invocations of models the catalog and grants did not allow for that account and Region at the time (UNAPPROVED_INVOCATION findings).",
      columns: [
        "account_id",
        "region",
        "model_id",
        "base_model_id",
        "invocations",
        "first_event_at",
        "last_event_at",
        "principals",
        "status",
      ],
      kinds: kinds("kkkknttxx"),
      rows: repo.unapprovedRows(from, to, ids),
    },
  ];
  if (opts.includeEvents)
    sections.push({
      id: "invocations",
      title: "Invocations",
      description: "Every invocation of the period.",
      columns: [
        "event_time",
        "event_id",
        "account_id",
        "region",
        "inference_region",
        "event_name",
        "principal",
        "model_id",
        "base_model_id",
        "error_code",
        "bearer_token",
      ],
      kinds: kinds("tkkkkkkkkkx"),
      rows: repo.eventRows(from, to, ids),
    });
  sections.push({
    id: "remediation_changes_json",
    title: "Appendix: remediation changes as recorded",
    description:
      "The audit log's record of each remediation action (JSON), for the sentences of the remediations section.",
    columns: ["occurred_at", "action", "plan_id", "actor_id", "change_json"],
    kinds: kinds("tkkkx"),
    appendix: true,
    rows: remediationJson(repo.remediationRows(from, to, ids)),
  });
  for (const s of sections) {
    s.rows = counted(s, s.rows);
    s.controls = opts.mapping.controlsFor(s.id);
  }
  return sections;
}
