// The report's small aggregates: the executive summary's figures for a period, what each
// account-Region's inventory and invocation data cover, and how people are named. Bounded by the
// number of accounts, Regions and ingestion kinds, never by events.
import type { Database } from "../../db/prisma.js";

/**
 * SQL naming the person or key behind a principal id (`expr`): an API key's name (with the name of
 * the person it acts for), else the name the identity provider gave when that principal last acted
 * (email or name claim, kept in the audit log) or filed a request, else the id itself.
 */
export function nameOf(expr: string): string {
  const actorName = (id: string) =>
    `(SELECT ae.actor_name FROM audit_events ae WHERE ae.actor_id = ${id} AND ae.actor_name IS NOT NULL ORDER BY ae.id DESC LIMIT 1)`;
  return `coalesce(
    (SELECT k.name || coalesce(' (for ' || coalesce(${actorName("k.owner")}, k.owner) || ')', '')
       FROM api_keys k WHERE ${expr} LIKE 'apikey:%' AND k.key_id = substr(${expr}, 8)),
    ${actorName(expr)},
    (SELECT r.requester_name FROM access_requests r WHERE r.requester_id = ${expr} ORDER BY r.created_at DESC LIMIT 1),
    CASE WHEN ${expr} = 'system' THEN 'bedrock-governor (automatic)' END,
    ${expr})`;
}

export interface PeriodFigures {
  accountsInScope: number;
  accountsCovered: number;
  regionsCovered: number;
  openFindings: Array<{ severity: string; bucket: string; n: number }>;
  unapprovedInvocations: number;
  requestsDecided: number;
  medianDecisionHours: number | null;
  selfDecisionsRefused: number;
}

export interface OpenFinding {
  type: string;
  severity: string;
  account_id: string;
  region: string | null;
  model_id: string | null;
  first_seen_at: Date;
}

export interface AccountRegionCoverage {
  account_id: string;
  account_name: string;
  account_state: string;
  left_at: Date | null;
  region: string | null;
  status: string | null;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error_gate: string | null;
  last_error_code: string | null;
  failing_since: Date | null;
  lookup_until: Date | null;
  lookup_sources: number;
  s3_last_key: string | null;
}

export interface IngestionKind {
  source: "lookup" | "s3";
  account_ids: string[] | null;
  regions: string[] | null;
  warnings: string[];
  first_at: Date;
  last_at: Date;
  in_period: number;
  last_error: string | null;
}

export function createReportEvidenceRepository(db: Database) {
  const q = async <T>(sql: string, params: unknown[]): Promise<T[]> =>
    (await db.pgPool().query(sql, params)).rows as T[];
  const scope = (ids: readonly string[] | null) => (ids === null ? null : [...ids]);

  return {
    /** The summary's figures for [from, to), findings counted as open at `asOf` (the period's end, or now). */
    async figures(from: Date, to: Date, asOf: Date, accountIds: readonly string[] | null): Promise<PeriodFigures> {
      const p = [from, to, scope(accountIds)];
      const [accounts] = await q<{ in_scope: number; covered: number; regions: number }>(
        `WITH ok AS (
           -- through the runs (indexed by creation time): a job finishes within a day of its run
           SELECT j.account_id, j.region FROM sync_runs r JOIN sync_run_jobs j ON j.run_id = r.id
           WHERE r.created_at >= $1::timestamptz - interval '1 day' AND r.created_at < $2
             AND j.status = 'succeeded' AND j.finished_at >= $1 AND j.finished_at < $2
             AND ($3::text[] IS NULL OR j.account_id = ANY($3))
           UNION
           SELECT account_id, region FROM account_regions
           WHERE last_success_at >= $1 AND last_success_at < $2 AND ($3::text[] IS NULL OR account_id = ANY($3)))
         SELECT (SELECT count(*)::int FROM accounts WHERE first_seen_at < $2 AND (left_at IS NULL OR left_at >= $1)
                   AND ($3::text[] IS NULL OR id = ANY($3))) AS in_scope,
                (SELECT count(DISTINCT account_id)::int FROM ok) AS covered,
                (SELECT count(DISTINCT region)::int FROM ok) AS regions`,
        p,
      );
      const openFindings = await q<{ severity: string; bucket: string; n: number }>(
        `SELECT severity,
                CASE WHEN $2::timestamptz - first_seen_at < interval '7 days' THEN 'under 7 days'
                     WHEN $2::timestamptz - first_seen_at < interval '30 days' THEN '7 to 30 days'
                     WHEN $2::timestamptz - first_seen_at < interval '90 days' THEN '30 to 90 days'
                     ELSE 'over 90 days' END AS bucket,
                count(*)::int AS n
         FROM findings
         WHERE first_seen_at < $2 AND (resolved_at IS NULL OR resolved_at >= $2) AND status <> 'suppressed'
           AND ($1::text[] IS NULL OR account_id = ANY($1))
         GROUP BY 1, 2`,
        [scope(accountIds), asOf],
      );
      // An invocation is unapproved when an UNAPPROVED_INVOCATION finding covers its account,
      // Region, model and time (the analysis merges those calls into the finding's time range).
      const [unapproved] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM invocation_events e
         WHERE e.event_time >= $1 AND e.event_time < $2 AND e.error_code IS NULL
           AND ($3::text[] IS NULL OR e.account_id = ANY($3))
           AND EXISTS (SELECT 1 FROM findings f WHERE f.type = 'UNAPPROVED_INVOCATION' AND f.account_id = e.account_id
                         AND f.region = e.region AND f.model_id = e.model_id
                         AND e.event_time BETWEEN f.first_seen_at AND f.last_seen_at)`,
        p,
      );
      const [decided] = await q<{ n: number; median: number | null }>(
        `SELECT count(*)::int AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at) / 3600) AS median
         FROM access_requests
         WHERE decided_at >= $1 AND decided_at < $2 AND ($3::text[] IS NULL OR account_ids && $3::text[])`,
        p,
      );
      const [refused] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events
         WHERE action = 'access_request.self_decision_refused' AND occurred_at >= $1 AND occurred_at < $2
           AND ($3::text[] IS NULL OR after->'accountIds' ?| $3::text[])`,
        p,
      );
      return {
        accountsInScope: accounts?.in_scope ?? 0,
        accountsCovered: accounts?.covered ?? 0,
        regionsCovered: accounts?.regions ?? 0,
        openFindings,
        unapprovedInvocations: unapproved?.n ?? 0,
        requestsDecided: decided?.n ?? 0,
        medianDecisionHours: decided?.median === null || decided?.median === undefined ? null : Number(decided.median),
        selfDecisionsRefused: refused?.n ?? 0,
      };
    },

    /** Distinct models some account-Region in scope can use now (the reachability verdicts). */
    async reachableModels(accountIds: readonly string[] | null): Promise<number> {
      const [row] = await q<{ n: number }>(
        `SELECT count(DISTINCT model_id)::int AS n FROM model_verdicts
         WHERE status = 'usable' AND ($1::text[] IS NULL OR account_id = ANY($1))`,
        [scope(accountIds)],
      );
      return row?.n ?? 0;
    },

    /** Open critical and high findings at `asOf`, oldest first. */
    async oldestOpen(asOf: Date, accountIds: readonly string[] | null, limit: number): Promise<OpenFinding[]> {
      return q<OpenFinding>(
        `SELECT type, severity, account_id, region, model_id, first_seen_at FROM findings
         WHERE severity IN ('critical', 'high') AND first_seen_at < $1 AND (resolved_at IS NULL OR resolved_at >= $1)
           AND status <> 'suppressed' AND ($2::text[] IS NULL OR account_id = ANY($2))
         ORDER BY (severity = 'critical') DESC, first_seen_at, id LIMIT $3`,
        [asOf, scope(accountIds), limit],
      );
    },

    /** Every account in scope (members during the period) with its Regions' sync and ingestion state. */
    async accountRegions(from: Date, to: Date, accountIds: readonly string[] | null): Promise<AccountRegionCoverage[]> {
      return q<AccountRegionCoverage>(
        `SELECT a.id AS account_id, a.name AS account_name, a.state AS account_state, a.left_at,
                ar.region, ar.status, ar.last_success_at, ar.last_error_at, ar.last_error_gate, ar.last_error_code,
                (SELECT min(j.finished_at) FROM sync_run_jobs j
                  WHERE j.account_id = ar.account_id AND j.region = ar.region AND j.status = 'failed'
                    AND j.finished_at > coalesce(ar.last_success_at, '-infinity'::timestamptz)) AS failing_since,
                (SELECT min(c.position) FROM invocation_checkpoints c
                  WHERE c.account_id = ar.account_id AND c.region = ar.region AND c.source = 'lookup') AS lookup_until,
                (SELECT count(*)::int FROM invocation_checkpoints c
                  WHERE c.account_id = ar.account_id AND c.region = ar.region AND c.source = 'lookup') AS lookup_sources,
                (SELECT max(c.last_key) FROM invocation_checkpoints c
                  WHERE c.account_id = ar.account_id AND c.region = ar.region AND c.source = 's3') AS s3_last_key
         FROM accounts a
         LEFT JOIN account_regions ar ON ar.account_id = a.id AND ar.status <> 'disabled'
         WHERE a.first_seen_at < $2 AND (a.left_at IS NULL OR a.left_at >= $1) AND ($3::text[] IS NULL OR a.id = ANY($3))
         ORDER BY a.id, ar.region`,
        [from, to, scope(accountIds)],
      );
    },

    /** Ingestions that read something, grouped by what they covered (scheduled ones share a group). */
    async ingestionKinds(from: Date, to: Date): Promise<IngestionKind[]> {
      return q<IngestionKind>(
        `WITH g AS (
           SELECT source::text AS source, params->'accountIds' AS a, params->'regions' AS r,
                  coalesce(warnings, ARRAY[]::text[]) AS warnings,
                  min(created_at) AS first_at, max(created_at) AS last_at,
                  count(*) FILTER (WHERE created_at >= $1 AND created_at < $2)::int AS in_period,
                  (array_agg(last_error ORDER BY created_at DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
           FROM invocation_ingestions
           WHERE status IN ('running', 'succeeded', 'partial')
           GROUP BY 1, 2, 3, 4)
         SELECT source,
                CASE WHEN jsonb_typeof(a) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(a)) END AS account_ids,
                CASE WHEN jsonb_typeof(r) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(r)) END AS regions,
                warnings, first_at, last_at, in_period, last_error
         FROM g ORDER BY first_at`,
        [from, to],
      );
    },
  };
}

export type ReportEvidenceRepository = ReturnType<typeof createReportEvidenceRepository>;
