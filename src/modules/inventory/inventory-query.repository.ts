// Read views over the inventory: the organization tree with account counts, account access
// summaries, the model-access matrix, the model-centric view, history, and Region scopes.
// Every view is one or two set-based statements: aggregation happens in SQL, never per row here.

import type { Database, PrismaClient, Tx } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type {
  AccountDetail,
  AccountFilter,
  AccountRegionState,
  AccountRegionSyncStatus,
  AccountRegionView,
  AccountStatus,
  AccountSummary,
  ChangeFilter,
  EffectivePolicy,
  InventoryChangeView,
  ModelAvailabilityAccess,
  ModelAvailabilityRow,
  ModelMatrixFilter,
  ModelMatrixRow,
  OrgUnitView,
  ProfileRoute,
  RegionScopeView,
} from "./inventory-query.types.js";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A timestamptz as Date.toISOString() writes it (UTC, milliseconds, Z), or NULL. */
const isoSql = (column: Prisma.Sql) =>
  Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Policy types that decide what an account may do with Bedrock. */
const EFFECTIVE_POLICY_TYPES = ["SERVICE_CONTROL_POLICY", "BEDROCK_POLICY"];

/**
 * The access a caller in the account-Region has to a model, from its availability evidence (the
 * columns of `model_access` aliased `m`). The first failing gate wins, in the order AWS checks them.
 */
const ACCESS_SQL = Prisma.sql`CASE
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
const nearestScopeCtes = Prisma.sql`
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
const scopeCtes = (defaults: string[]) => Prisma.sql`${nearestScopeCtes},
  eff AS (
    SELECT DISTINCT b.id AS account_id, r.region
    FROM base b LEFT JOIN scope s ON s.account_id = b.id
    CROSS JOIN LATERAL unnest(coalesce(s.regions, ${defaults}::text[])) AS r(region)
  )`;

interface SummaryRow {
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

function summaryFromDb(r: SummaryRow): AccountSummary {
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
const regionalLateral = (defaults: string[]) => Prisma.sql`LATERAL (
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
const countModelsSql = Prisma.sql`(SELECT count(DISTINCT x.model_id COLLATE "C")::int
  FROM account_regions ar CROSS JOIN LATERAL unnest(ar.available_models) AS x(model_id)
  WHERE ar.account_id = b.id AND ar.region = ANY(r.regions) AND ar.status = 'ok')`;

export function createInventoryQueryRepository(db: Database, settings: { defaultRegions: string[] }) {
  const client = db.client;
  const defaults = [...new Set(settings.defaultRegions)];

  /**
   * Account summaries of the accounts selected by `where` (a condition on accounts `a`). The model
   * count comes from account_model_counts when its fingerprint is current, else it is counted.
   */
  function summaries(where: Prisma.Sql, status: AccountStatus | undefined, limit: number) {
    // Without a status filter the page is cut before aggregating; with one, after.
    const cutBase = status === undefined ? Prisma.sql`ORDER BY a.id LIMIT ${limit}` : Prisma.empty;
    return db.read<SummaryRow>(Prisma.sql`
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
      ORDER BY id LIMIT ${limit}`);
  }

  return {
    /**
     * Recounts the models of every account whose account_model_counts row is missing or no longer
     * matches its account-Region rows; one statement, so each count matches its fingerprint even
     * while syncs write. Run after each sync run; returns how many accounts were recounted.
     */
    async refreshModelCounts(): Promise<number> {
      return client.$executeRaw`
        WITH RECURSIVE base AS (SELECT a.* FROM accounts a),
        ${nearestScopeCtes},
        current AS (
          SELECT b.id, r.fingerprint, CASE WHEN r.ok = 0 THEN 0 ELSE ${countModelsSql} END AS n
          FROM base b
          LEFT JOIN scope s ON s.account_id = b.id
          CROSS JOIN ${regionalLateral(defaults)} r
          LEFT JOIN account_model_counts c ON c.account_id = b.id
          WHERE c.fingerprint IS DISTINCT FROM r.fingerprint
        )
        INSERT INTO account_model_counts (account_id, fingerprint, models_available, computed_at)
        SELECT id, fingerprint, n, now() FROM current
        ON CONFLICT (account_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
          models_available = EXCLUDED.models_available, computed_at = EXCLUDED.computed_at`;
    },

    /** Root and OUs (not removed), by path; keyset on (path, id). Reads `limit + 1` rows. */
    async listOrgUnits(
      filter: { parentId?: string },
      limit: number,
      after?: { path: string; id: string },
    ): Promise<OrgUnitView[]> {
      const rows = await client.$queryRaw<
        Array<{
          id: string;
          name: string;
          kind: "root" | "ou";
          parent_id: string | null;
          path: string;
          direct: number;
          subtree: number;
        }>
      >`
        WITH direct AS (
          SELECT parent_id, count(*)::int AS n FROM accounts WHERE left_at IS NULL GROUP BY parent_id
        ),
        nodes AS (SELECT * FROM org_nodes WHERE removed_at IS NULL),
        page AS (
          SELECT n.* FROM nodes n
          WHERE (${filter.parentId ?? null}::text IS NULL OR n.parent_id = ${filter.parentId ?? null})
            AND (${after?.path ?? null}::text IS NULL OR (n.path, n.id) > (${after?.path ?? null}::text, ${after?.id ?? null}::text))
          ORDER BY n.path, n.id LIMIT ${limit + 1}
        )
        SELECT p.id, p.name, p.kind, p.parent_id, p.path,
          coalesce((SELECT d.n FROM direct d WHERE d.parent_id = p.id), 0) AS direct,
          coalesce(sum(d.n), 0)::int AS subtree
        FROM page p
        LEFT JOIN nodes s ON s.id = p.id OR starts_with(s.path, p.path || '/')
        LEFT JOIN direct d ON d.parent_id = s.id
        GROUP BY p.id, p.name, p.kind, p.parent_id, p.path
        ORDER BY p.path, p.id`;
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind,
        parentId: r.parent_id,
        path: r.path,
        accountsDirect: r.direct,
        accountsInSubtree: r.subtree,
      }));
    },

    /** Account summaries by id; keyset on id. Reads `limit + 1` rows. */
    async listAccounts(filter: AccountFilter, limit: number, afterId?: string): Promise<AccountSummary[]> {
      const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
      if (afterId !== undefined) conditions.push(Prisma.sql`a.id > ${afterId}`);
      if (filter.state !== undefined) conditions.push(Prisma.sql`a.state = ${filter.state}`);
      if (filter.q !== undefined) conditions.push(Prisma.sql`strpos(lower(a.name), lower(${filter.q})) > 0`);
      if (filter.ouId !== undefined) {
        // The subtree by path: an account's path is its parent's path.
        conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM org_nodes o WHERE o.id = ${filter.ouId}
          AND (a.parent_id = o.id OR starts_with(a.path, o.path || '/')))`);
      }
      const rows = await summaries(Prisma.join(conditions, " AND "), filter.status, limit + 1);
      return rows.map(summaryFromDb);
    },

    /** One account with its Regions (rows and Regions in scope) and its effective policies. */
    async getAccount(accountId: string): Promise<AccountDetail | undefined> {
      const [[summary], regions, policies] = await Promise.all([
        summaries(Prisma.sql`a.id = ${accountId}`, undefined, 1),
        client.$queryRaw<
          Array<{
            region: string;
            in_scope: boolean;
            status: AccountRegionSyncStatus;
            last_success_at: Date | null;
            last_error_at: Date | null;
            last_error_gate: string | null;
            last_error_code: string | null;
            last_error_message: string | null;
            logging_enabled: boolean | null;
            guardrail_count: number;
            model_count: number;
          }>
        >`
          WITH RECURSIVE base AS (SELECT a.id, a.parent_id FROM accounts a WHERE a.id = ${accountId}),
          ${scopeCtes(defaults)},
          existing AS (SELECT * FROM account_regions WHERE account_id = ${accountId})
          SELECT coalesce(ar.region, e.region) AS region, e.region IS NOT NULL AS in_scope,
            coalesce(ar.status, 'never') AS status, ar.last_success_at, ar.last_error_at, ar.last_error_gate,
            ar.last_error_code, ar.last_error_message, ar.logging_enabled,
            CASE WHEN jsonb_typeof(ar.guardrails) = 'array' THEN jsonb_array_length(ar.guardrails) ELSE 0 END
              AS guardrail_count,
            coalesce(ar.model_count, 0) AS model_count
          FROM existing ar FULL JOIN eff e ON e.region = ar.region
          ORDER BY 1`,
        client.$queryRaw<
          Array<{
            id: string;
            name: string;
            type: string;
            aws_managed: boolean;
            attached_to: string;
            level: "root" | "ou" | "account";
            content: string;
          }>
        >`
          WITH RECURSIVE up AS (
            SELECT a.id::text AS node_id, a.parent_id::text AS next_id, 0 AS depth, 'account'::text AS level
            FROM accounts a WHERE a.id = ${accountId}
            UNION ALL
            SELECT n.id::text, n.parent_id::text, u.depth + 1, CASE WHEN n.kind = 'root' THEN 'root' ELSE 'ou' END
            FROM up u JOIN org_nodes n ON n.id = u.next_id
            WHERE u.depth < 64
          )
          SELECT p.id, p.name, p.type, p.aws_managed, pa.target_id AS attached_to, u.level, p.content
          FROM up u
          JOIN org_policy_attachments pa ON pa.target_id = u.node_id
          JOIN org_policies p ON p.id = pa.policy_id
          WHERE p.removed_at IS NULL AND p.type = ANY(${EFFECTIVE_POLICY_TYPES}::text[])
          ORDER BY u.depth DESC, p.type, p.name, p.id`,
      ]);
      if (!summary) return undefined;
      const regionViews: AccountRegionView[] = regions.map((r) => ({
        region: r.region,
        inScope: r.in_scope,
        status: r.status,
        lastSuccessAt: iso(r.last_success_at),
        lastErrorAt: iso(r.last_error_at),
        lastErrorGate: r.last_error_gate,
        lastErrorCode: r.last_error_code,
        lastErrorMessage: r.last_error_message,
        loggingEnabled: r.logging_enabled,
        guardrailCount: r.guardrail_count,
        modelCount: r.model_count,
      }));
      const effectivePolicies: EffectivePolicy[] = policies.map((p) => ({
        id: p.id,
        name: p.name,
        type: p.type,
        awsManaged: p.aws_managed,
        attachedTo: p.attached_to,
        level: p.level,
        content: p.content,
      }));
      return { ...summaryFromDb(summary), regions: regionViews, effectivePolicies };
    },

    /** Sync status, logging and guardrails of one account-Region; undefined when never seen. */
    async getAccountRegion(accountId: string, region: string): Promise<AccountRegionState | undefined> {
      const [row] = await db.read<{
        account_id: string;
        account_name: string;
        region: string;
        status: AccountRegionSyncStatus;
        last_success_at: Date | null;
        last_error_at: Date | null;
        last_error_gate: string | null;
        logging_enabled: boolean | null;
        guardrails: unknown;
      }>(Prisma.sql`
        SELECT ar.account_id, a.name AS account_name, ar.region, ar.status, ar.last_success_at, ar.last_error_at,
          ar.last_error_gate, ar.logging_enabled, ar.guardrails
        FROM account_regions ar JOIN accounts a ON a.id = ar.account_id
        WHERE ar.account_id = ${accountId} AND ar.region = ${region}`);
      if (!row) return undefined;
      return {
        accountId: row.account_id,
        accountName: row.account_name,
        region: row.region,
        status: row.status,
        lastSuccessAt: iso(row.last_success_at),
        lastErrorAt: iso(row.last_error_at),
        lastErrorGate: row.last_error_gate,
        loggingEnabled: row.logging_enabled,
        guardrails: Array.isArray(row.guardrails) ? (row.guardrails as Record<string, unknown>[]) : [],
      };
    },

    /** Models of one account-Region with derived access and routing profiles; keyset on model id. */
    async listModelMatrix(
      accountId: string,
      region: string,
      filter: ModelMatrixFilter,
      limit: number,
      afterModelId?: string,
    ): Promise<ModelMatrixRow[]> {
      // Rows leave PostgreSQL in the response's shape (ISO times, arrays as JSON): up to a few
      // hundred rows a page, read often, with no per-row work left here.
      return db.read<ModelMatrixRow>(Prisma.sql`
        WITH profiles AS (
          SELECT mid AS model_id, array_agg(ip.profile_id ORDER BY ip.profile_id) AS ids
          FROM inference_profiles ip CROSS JOIN LATERAL unnest(ip.model_ids) AS mid
          WHERE ip.account_id = ${accountId} AND ip.region = ${region}
          GROUP BY mid
        ),
        matrix AS (
          SELECT m.*, ${ACCESS_SQL} AS access, coalesce(p.ids, '{}') AS profiles
          FROM model_access m LEFT JOIN profiles p ON p.model_id = m.model_id
          WHERE m.account_id = ${accountId} AND m.region = ${region}
            AND (${filter.provider ?? null}::text IS NULL OR lower(m.provider) = lower(${filter.provider ?? null}))
            AND (${afterModelId ?? null}::text IS NULL OR m.model_id > ${afterModelId ?? null})
        )
        SELECT model_id AS "modelId", model_name AS "modelName", provider, lifecycle_status AS "lifecycleStatus",
          ${isoSql(Prisma.sql`legacy_time`)} AS "legacyTime", ${isoSql(Prisma.sql`end_of_life_time`)} AS "endOfLifeTime",
          to_json(inference_types) AS "inferenceTypes", to_json(input_modalities) AS "inputModalities",
          to_json(output_modalities) AS "outputModalities", agreement_status AS "agreementStatus",
          agreement_error AS "agreementError", authorization_status AS "authorizationStatus",
          entitlement_availability AS "entitlementAvailability", region_availability AS "regionAvailability",
          offer_count AS "offerCount", to_json(profiles) AS profiles, access
        FROM matrix
        WHERE ${filter.access ?? null}::text IS NULL OR access = ${filter.access ?? null}
        ORDER BY model_id LIMIT ${limit + 1}`);
    },

    /** Whether any account-Region offers the model or routes to it through a profile. */
    async modelKnown(modelId: string): Promise<boolean> {
      const [row] = await db.read<{ known: boolean }>(Prisma.sql`
        SELECT EXISTS (SELECT 1 FROM model_access WHERE model_id = ${modelId})
          OR EXISTS (SELECT 1 FROM inference_profiles WHERE model_ids @> ARRAY[${modelId}]::text[]) AS known`);
      return row?.known === true;
    },

    /**
     * Every account-Region (of accounts still in the organization) where the model is offered or a
     * profile routes to it; keyset on (account id, Region). Reads `limit + 1` rows.
     */
    async listModelAvailability(
      modelId: string,
      limit: number,
      after?: { accountId: string; region: string },
    ): Promise<ModelAvailabilityRow[]> {
      const rows = await db.read<{
        account_id: string;
        account_name: string;
        region: string;
        sync_status: AccountRegionSyncStatus;
        access: ModelAvailabilityAccess;
        via_profiles: ProfileRoute[];
      }>(Prisma.sql`
        WITH offered AS (
          -- Keyset inside: an index range scan on (model_id, account_id, region) that stops after
          -- one page, however deep the page (hw_model_access_model_keyset).
          SELECT m.account_id, m.region, ${ACCESS_SQL} AS access
          FROM model_access m JOIN accounts a ON a.id = m.account_id AND a.left_at IS NULL
          WHERE m.model_id = ${modelId}
            AND (${after?.accountId ?? null}::text IS NULL
              OR (m.account_id, m.region) > (${after?.accountId ?? null}::text, ${after?.region ?? null}::text))
          ORDER BY m.account_id, m.region LIMIT ${limit + 1}
        ),
        via AS (
          SELECT ip.account_id, ip.region,
            jsonb_agg(jsonb_build_object('profileId', ip.profile_id, 'isGlobal', ip.is_global,
              'destinationRegions', coalesce(ip.destination_regions, '{}')) ORDER BY ip.profile_id) AS profiles
          FROM inference_profiles ip JOIN accounts a ON a.id = ip.account_id AND a.left_at IS NULL
          WHERE ip.model_ids @> ARRAY[${modelId}]::text[]
            AND (${after?.accountId ?? null}::text IS NULL
              OR (ip.account_id, ip.region) > (${after?.accountId ?? null}::text, ${after?.region ?? null}::text))
          GROUP BY ip.account_id, ip.region
          ORDER BY ip.account_id, ip.region LIMIT ${limit + 1}
        ),
        keys AS (SELECT account_id, region FROM offered UNION SELECT account_id, region FROM via)
        SELECT k.account_id, a.name AS account_name, k.region, coalesce(ar.status, 'never') AS sync_status,
          coalesce(o.access, 'via_profile') AS access, coalesce(v.profiles, '[]'::jsonb) AS via_profiles
        FROM keys k
        JOIN accounts a ON a.id = k.account_id AND a.left_at IS NULL
        LEFT JOIN account_regions ar ON ar.account_id = k.account_id AND ar.region = k.region
        LEFT JOIN offered o ON o.account_id = k.account_id AND o.region = k.region
        LEFT JOIN via v ON v.account_id = k.account_id AND v.region = k.region
        WHERE ${after?.accountId ?? null}::text IS NULL
          OR (k.account_id, k.region) > (${after?.accountId ?? null}::text, ${after?.region ?? null}::text)
        ORDER BY k.account_id, k.region LIMIT ${limit + 1}`);
      return rows.map((r) => ({
        accountId: r.account_id,
        accountName: r.account_name,
        region: r.region,
        syncStatus: r.sync_status,
        access: r.access,
        viaProfiles: r.via_profiles,
      }));
    },

    /** History, newest first; keyset on id. Reads `limit + 1` rows. */
    async listChanges(filter: ChangeFilter, limit: number, beforeId?: bigint): Promise<InventoryChangeView[]> {
      const rows = await client.inventoryChange.findMany({
        where: {
          accountId: filter.accountId,
          region: filter.region,
          entity: filter.entity,
          subject: filter.subject,
          runId: filter.runId,
          occurredAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
          id: beforeId !== undefined ? { lt: beforeId } : undefined,
        },
        orderBy: { id: "desc" },
        take: limit + 1,
      });
      return rows.map((r) => ({
        id: r.id.toString(),
        runId: r.runId,
        occurredAt: r.occurredAt.toISOString(),
        entity: r.entity,
        accountId: r.accountId,
        region: r.region,
        subject: r.subject,
        change: r.change,
        oldValue: r.oldValue ?? null,
        newValue: r.newValue ?? null,
      }));
    },

    /** Region overrides with what they are attached to; keyset on target id. Reads `limit + 1` rows. */
    async listRegionScopes(limit: number, afterTargetId?: string, tx?: Tx): Promise<RegionScopeView[]> {
      return regionScopes(undefined, limit + 1, afterTargetId, tx ?? client);
    },

    async findRegionScope(targetId: string, tx?: Tx): Promise<RegionScopeView | undefined> {
      const [found] = await regionScopes(targetId, 1, undefined, tx ?? client);
      return found;
    },

    /** The kind of a root, OU or account still in the organization; undefined when unknown. */
    async targetKind(targetId: string, tx?: Tx): Promise<"root" | "ou" | "account" | undefined> {
      const [row] = await (tx ?? client).$queryRaw<Array<{ kind: "root" | "ou" | "account" }>>`
        SELECT kind FROM org_nodes WHERE id = ${targetId} AND removed_at IS NULL
        UNION ALL
        SELECT 'account' FROM accounts WHERE id = ${targetId} AND left_at IS NULL
        LIMIT 1`;
      return row?.kind;
    },

    async putRegionScope(targetId: string, regions: string[], updatedBy: string, tx: Tx): Promise<void> {
      // One statement, so two admins setting the same scope at once cannot collide on the key.
      await tx.$executeRaw`
        INSERT INTO region_scopes (target_id, regions, updated_at, updated_by)
        VALUES (${targetId}, ${regions}::text[], now(), ${updatedBy})
        ON CONFLICT (target_id) DO UPDATE SET regions = EXCLUDED.regions, updated_at = EXCLUDED.updated_at,
          updated_by = EXCLUDED.updated_by`;
    },

    /** Deletes an override; false when there was none. */
    async deleteRegionScope(targetId: string, tx: Tx): Promise<boolean> {
      const { count } = await tx.regionScope.deleteMany({ where: { targetId } });
      return count > 0;
    },
  };
}

async function regionScopes(
  targetId: string | undefined,
  limit: number,
  afterTargetId: string | undefined,
  db: PrismaClient | Tx,
): Promise<RegionScopeView[]> {
  const rows = await db.$queryRaw<
    Array<{
      target_id: string;
      target_kind: "root" | "ou" | "account";
      target_name: string | null;
      regions: string[];
      updated_at: Date;
      updated_by: string;
    }>
  >`
    SELECT s.target_id, coalesce(n.kind, 'account') AS target_kind, coalesce(n.name, a.name) AS target_name,
      s.regions, s.updated_at, s.updated_by
    FROM region_scopes s
    LEFT JOIN org_nodes n ON n.id = s.target_id
    LEFT JOIN accounts a ON a.id = s.target_id
    WHERE (${targetId ?? null}::text IS NULL OR s.target_id = ${targetId ?? null})
      AND (${afterTargetId ?? null}::text IS NULL OR s.target_id > ${afterTargetId ?? null})
    ORDER BY s.target_id LIMIT ${limit}`;
  return rows.map((r) => ({
    targetId: r.target_id,
    targetKind: r.target_kind,
    targetName: r.target_name,
    regions: r.regions,
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
  }));
}

export type InventoryQueryRepository = ReturnType<typeof createInventoryQueryRepository>;
