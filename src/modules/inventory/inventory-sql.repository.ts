// SQL pieces the inventory read repositories share (a repository file: it builds Prisma SQL):
// derived access, the nearest Region scope, the per-account regional aggregate and the account
// summary row.
import { Prisma } from "../../generated/prisma/client.js";
import type { AccountFilter, AccountRegionSyncStatus, AccountStatus, AccountSummary } from "./inventory-query.types.js";

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A timestamptz as Date.toISOString() writes it (UTC, milliseconds, Z), or NULL. */
export const isoSql = (column: Prisma.Sql) =>
  Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Policy types that decide what an account may do with Bedrock. */
export const EFFECTIVE_POLICY_TYPES = ["SERVICE_CONTROL_POLICY", "BEDROCK_POLICY"];

/**
 * The access a caller in the account-Region has to a model, from its availability evidence (the
 * columns of `model_access` aliased `m`). The first failing gate wins, in the order AWS checks them.
 */
export const ACCESS_SQL = Prisma.sql`CASE
  WHEN m.region_availability IS NOT NULL AND m.region_availability <> 'AVAILABLE' THEN 'region_unavailable'
  WHEN m.entitlement_availability IS NOT NULL AND m.entitlement_availability <> 'AVAILABLE' THEN 'not_entitled'
  WHEN m.authorization_status IS NOT NULL AND m.authorization_status <> 'AUTHORIZED' THEN 'not_authorized'
  WHEN m.agreement_status = 'PENDING' THEN 'agreement_pending'
  WHEN m.agreement_status IS NOT NULL AND m.agreement_status <> 'AVAILABLE' THEN 'needs_agreement'
  WHEN m.region_availability IS NULL OR m.entitlement_availability IS NULL
    OR m.authorization_status IS NULL OR m.agreement_status IS NULL THEN 'unknown'
  WHEN 'INFERENCE_PROFILE' = ANY(coalesce(m.inference_types, '{}'))
    AND NOT ('ON_DEMAND' = ANY(coalesce(m.inference_types, '{}'))) THEN 'profile_only'
  ELSE 'available'
END`;

/**
 * CTEs `chain` and `scope` (account_id, regions): the nearest Region scope override of every
 * account in a preceding CTE `base` (id, parent_id), walking up from the account; accounts without
 * one have no row (they use the defaults).
 */
export const nearestScopeCtes = Prisma.sql`
  chain AS (
    SELECT b.id::text AS account_id, b.id::text AS node_id, b.parent_id::text AS next_id, 0 AS depth FROM base b
    UNION ALL
    SELECT c.account_id, n.id::text, n.parent_id::text, c.depth + 1
    FROM chain c JOIN org_nodes n ON n.id = c.next_id AND n.removed_at IS NULL
    WHERE c.depth < 64
  ),
  scope AS (
    SELECT DISTINCT ON (c.account_id) c.account_id, s.regions
    FROM chain c JOIN region_scopes s ON s.target_id = c.node_id
    ORDER BY c.account_id, c.depth
  )`;

/**
 * CTEs `chain`, `scope` and `eff` (account_id, region): the Regions in scope of every account in
 * `base`: the nearest override, else the defaults. Mirrors `effectiveRegions` (region-scopes.ts), which
 * decides what gets synced.
 */
export const scopeCtes = (defaults: string[]) => Prisma.sql`${nearestScopeCtes},
  eff AS (
    SELECT DISTINCT b.id AS account_id, r.region
    FROM base b LEFT JOIN scope s ON s.account_id = b.id
    CROSS JOIN LATERAL unnest(coalesce(s.regions, ${defaults}::text[])) AS r(region)
  )`;

export interface SummaryRow {
  id: string;
  name: string;
  email: string | null;
  state: string;
  parent_id: string | null;
  path: string;
  left_at: Date | null;
  use_case_submitted: boolean | null;
  in_scope: number;
  ok: number;
  error: number;
  disabled: number;
  last_success_at: Date | null;
  last_error_gate: string | null;
  models_available: number;
  status: AccountStatus;
}

export function summaryFromDb(r: SummaryRow): AccountSummary {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    state: r.state,
    parentId: r.parent_id,
    path: r.path,
    leftAt: iso(r.left_at),
    useCaseSubmitted: r.use_case_submitted,
    regionsInScope: r.in_scope,
    regionsOk: r.ok,
    regionsError: r.error,
    regionsDisabled: r.disabled,
    regionsNever: r.in_scope - r.ok - r.error - r.disabled,
    lastSuccessAt: iso(r.last_success_at),
    lastErrorGate: r.last_error_gate,
    modelsAvailable: r.models_available,
    status: r.status,
  };
}

/**
 * LATERAL subquery over the account-Region rows of account `b` in its Regions in scope (`s` is
 * its row of the `scope` CTE, or NULL for the defaults; both free of duplicates): counts by sync
 * status, last success and error, and the fingerprint of its synced rows: Region, last success
 * and run of every row with status ok. A sync writes `available_models` only together with a new
 * last success, so equal fingerprints mean equal available models. One primary-key probe per
 * Region in scope.
 */
export const regionalLateral = (defaults: string[]) => Prisma.sql`LATERAL (
  SELECT cardinality(coalesce(s.regions, ${defaults}::text[])) AS in_scope,
    count(*) FILTER (WHERE ar.status = 'ok')::int AS ok,
    count(*) FILTER (WHERE ar.status = 'error')::int AS error,
    count(*) FILTER (WHERE ar.status = 'disabled')::int AS disabled,
    max(ar.last_success_at) AS last_success_at,
    (array_agg(ar.last_error_gate ORDER BY ar.last_error_at DESC NULLS LAST)
       FILTER (WHERE ar.status = 'error'))[1] AS last_error_gate,
    coalesce(s.regions, ${defaults}::text[]) AS regions,
    coalesce(string_agg(ar.region || '@' || (extract(epoch FROM ar.last_success_at) * 1000)::bigint
      || '@' || coalesce(ar.last_run_id::text, ''), ',' ORDER BY ar.region) FILTER (WHERE ar.status = 'ok'), '')
      AS fingerprint
  FROM account_regions ar
  WHERE ar.account_id = b.id AND ar.region = ANY(coalesce(s.regions, ${defaults}::text[]))
)`;

/**
 * Distinct models available to account `b` across the Regions `r.regions` (rows with status ok),
 * from the ids kept on each account-Region row, compared byte-wise.
 */
export const countModelsSql = Prisma.sql`(SELECT count(DISTINCT x.model_id COLLATE "C")::int
  FROM account_regions ar CROSS JOIN LATERAL unnest(ar.available_models) AS x(model_id)
  WHERE ar.account_id = b.id AND ar.region = ANY(r.regions) AND ar.status = 'ok')`;

/**
 * Account summaries of the accounts selected by `where` (a condition on accounts `a`). The model
 * count comes from account_model_counts when its fingerprint is current, else it is counted.
 */
export function accountSummariesSql(
  defaults: string[],
  where: Prisma.Sql,
  status: AccountStatus | undefined,
  limit: number,
) {
  // Without a status filter the page is cut before aggregating; with one, after.
  const cutBase = status === undefined ? Prisma.sql`ORDER BY a.id LIMIT ${limit}` : Prisma.empty;
  return Prisma.sql`
    WITH RECURSIVE base AS (
      SELECT a.* FROM accounts a WHERE ${where} ${cutBase}
    ),
    ${nearestScopeCtes},
    summary AS (
      SELECT b.id, b.name, b.email, b.state, b.parent_id, b.path, b.left_at, b.use_case_submitted,
        r.in_scope, r.ok, r.error, r.disabled, r.last_success_at, r.last_error_gate,
        CASE WHEN r.ok = 0 THEN 0
          ELSE coalesce((SELECT c.models_available FROM account_model_counts c
                         WHERE c.account_id = b.id AND c.fingerprint = r.fingerprint), ${countModelsSql})
        END AS models_available,
        CASE
          WHEN b.state <> 'ACTIVE' OR b.left_at IS NOT NULL THEN 'inactive'
          WHEN r.ok = 0 AND r.error = 0 THEN 'never_synced'
          -- A Region the account has not enabled is a fact about it, not a gap in the inventory.
          WHEN r.ok = r.in_scope - r.disabled THEN 'complete'
          WHEN r.ok = 0 THEN 'unreachable'
          ELSE 'partial'
        END AS status
      FROM base b
      LEFT JOIN scope s ON s.account_id = b.id
      CROSS JOIN ${regionalLateral(defaults)} r
    )
    SELECT * FROM summary
    WHERE ${status ?? null}::text IS NULL OR status = ${status ?? null}
    ORDER BY id LIMIT ${limit}`;
}

/** The account list's page: summaries by id after `afterId` (keyset), `limit + 1` rows. */
export function accountListSql(defaults: string[], filter: AccountFilter, limit: number, afterId?: string) {
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (afterId !== undefined) conditions.push(Prisma.sql`a.id > ${afterId}`);
  if (filter.state !== undefined) conditions.push(Prisma.sql`a.state = ${filter.state}`);
  if (filter.q !== undefined) conditions.push(Prisma.sql`strpos(lower(a.name), lower(${filter.q})) > 0`);
  if (filter.ouId !== undefined) {
    // The subtree by path: an account's path is its parent's path.
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM org_nodes o WHERE o.id = ${filter.ouId}
      AND (a.parent_id = o.id OR starts_with(a.path, o.path || '/')))`);
  }
  return accountSummariesSql(defaults, Prisma.join(conditions, " AND "), filter.status, limit + 1);
}

export interface AccountRegionRow {
  account_id: string;
  account_name: string;
  region: string;
  status: AccountRegionSyncStatus;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error_gate: string | null;
  logging_enabled: boolean | null;
  guardrails: unknown;
}

/** Sync status, logging and guardrails of one account-Region (no row: never seen). */
export const accountRegionSql = (accountId: string, region: string) => Prisma.sql`
  SELECT ar.account_id, a.name AS account_name, ar.region, ar.status, ar.last_success_at, ar.last_error_at,
    ar.last_error_gate, ar.logging_enabled, ar.guardrails
  FROM account_regions ar JOIN accounts a ON a.id = ar.account_id
  WHERE ar.account_id = ${accountId} AND ar.region = ${region}`;
