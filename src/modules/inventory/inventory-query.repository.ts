// Read views over the inventory: the organization tree with account counts, account access
// summaries, one account and account-Region, and history (model views: model-view.repository.ts;
// Region scopes: region-scope.repository.ts).
// Every view is one or two set-based statements: aggregation happens in SQL, never per row here.

import type { Database } from "../../db/prisma.js";
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
  OrgUnitView,
} from "./inventory-query.types.js";
import {
  type AccountRegionRow,
  accountListSql,
  accountRegionSql,
  accountSummariesSql,
  countModelsSql,
  EFFECTIVE_POLICY_TYPES,
  iso,
  nearestScopeCtes,
  regionalLateral,
  type SummaryRow,
  scopeCtes,
  summaryFromDb,
} from "./inventory-sql.repository.js";

export function createInventoryQueryRepository(db: Database, settings: { defaultRegions: string[] }) {
  const client = db.client;
  const defaults = [...new Set(settings.defaultRegions)];

  const summaries = (where: Prisma.Sql, status: AccountStatus | undefined, limit: number) =>
    db.read<SummaryRow>(accountSummariesSql(defaults, where, status, limit));

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
      const rows = await db.read<SummaryRow>(accountListSql(defaults, filter, limit, afterId));
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
      const [row] = await db.read<AccountRegionRow>(accountRegionSql(accountId, region));
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
  };
}

export type InventoryQueryRepository = ReturnType<typeof createInventoryQueryRepository>;
