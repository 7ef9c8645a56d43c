// The sections of a compliance report, in order, built from the repository's streamed queries.
// Aggregates and catalog versions are small; findings, audit events and invocations are streamed.
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Cell, ReportMeta, ReportSection } from "./reports.types.js";

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
    /** Ids an entry scope may name to concern the report: the accounts, the OUs between, the lineage. */
    scopeIds?: ReadonlySet<string>;
  },
): Promise<ReportSection[]> {
  const { from, to } = meta;
  const ids = meta.accountIds ?? null;
  const versions = (await repo.catalogVersions(from, to)).filter((v) =>
    entryInScope(v.data as unknown as CatalogEntry, opts.scopeIds),
  );
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

  const sections: ReportSection[] = [
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
        "reason",
      ],
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
        "decision",
        "approver",
        "comment",
        "actor",
        "self_approved",
      ],
      rows: repo.accessRequestRows(from, to, ids),
    },
    {
      id: "remediations",
      title: "Remediations applied",
      description: "Policy changes the service applied, from the audit log.",
      columns: ["occurred_at", "action", "actor", "target_type", "target_id", "account_id", "change"],
      rows: repo.remediationRows(from, to, ids),
    },
    {
      id: "usage_by_model",
      title: "Invocations by model",
      description: "Bedrock invocations recorded by CloudTrail, by base model (profiles resolved).",
      columns: usageColumns,
      rows: fromArray(usageByModel),
      chart: chartOf(usageByModel, "Invocations by model"),
    },
    {
      id: "usage_by_account",
      title: "Invocations by account",
      description: "Bedrock invocations by account.",
      columns: usageColumns,
      rows: fromArray(usageByAccount),
      chart: chartOf(usageByAccount, "Invocations by account"),
    },
    {
      id: "usage_by_principal",
      title: "Invocations by principal",
      description: "Bedrock invocations by principal (the role for assumed-role sessions).",
      columns: usageColumns,
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
      rows: repo.eventRows(from, to, ids),
    });
  for (const s of sections) s.rows = counted(s, s.rows);
  return sections;
}
