// What the AI bill of materials reads from the stored inventory: models as offered (model_access),
// the engine's verdicts (model_verdicts) and invocations (invocation_events), per account×Region.
import type { Database } from "../../db/prisma.js";
import type { AibomDeployment, AibomModel } from "./aibom.js";

export function createAibomRepository(db: Database) {
  const pool = () => db.pgPool();
  return {
    /** The organization's root and management account, when the inventory knows them. */
    async organization(): Promise<{ rootId: string | null; managementAccountId: string | null }> {
      const { rows } = await pool().query<{ root_id: string | null; management_id: string | null }>(
        `SELECT (SELECT id FROM org_nodes WHERE kind = 'root' AND removed_at IS NULL ORDER BY id LIMIT 1) AS root_id,
                (SELECT id FROM accounts WHERE management ORDER BY id LIMIT 1) AS management_id`,
      );
      return { rootId: rows[0]?.root_id ?? null, managementAccountId: rows[0]?.management_id ?? null };
    },

    /** One row per model the inventory has seen offered (any account-Region in scope). */
    async models(accountIds: readonly string[] | null): Promise<AibomModel[]> {
      const { rows } = await pool().query<{
        model_id: string;
        model_name: string | null;
        provider: string;
        lifecycle_status: string | null;
        input_modalities: string[];
        output_modalities: string[];
      }>(
        `SELECT DISTINCT ON (model_id) model_id, model_name, provider, lifecycle_status, input_modalities, output_modalities
         FROM model_access WHERE ($1::text[] IS NULL OR account_id = ANY($1))
         ORDER BY model_id, (region_availability = 'AVAILABLE') DESC NULLS LAST, account_id, region`,
        [accountIds === null ? null : [...accountIds]],
      );
      return rows.map((r) => ({
        modelId: r.model_id,
        name: r.model_name,
        provider: r.provider,
        lifecycleStatus: r.lifecycle_status,
        inputModalities: r.input_modalities,
        outputModalities: r.output_modalities,
      }));
    },

    /**
     * Models reachable (the last reconciliation's verdict `usable`) or invoked in [from, to), per
     * account×Region of accounts still in the organization. Invocations through a profile count for
     * the foundation model behind it.
     */
    async deployments(from: Date, to: Date, accountIds: readonly string[] | null): Promise<AibomDeployment[]> {
      const { rows } = await pool().query<{
        account_id: string;
        account_name: string | null;
        region: string;
        model_id: string;
        verdict: string | null;
        via: string | null;
        invocations: number | null;
        last_at: Date | null;
      }>(
        `WITH used AS (
           SELECT account_id, region, coalesce(base_model_id, model_id) AS model_id,
                  count(*)::int AS invocations, max(event_time) AS last_at
           FROM invocation_events
           WHERE event_time >= $1 AND event_time < $2 AND ($3::text[] IS NULL OR account_id = ANY($3))
             AND coalesce(base_model_id, model_id) IS NOT NULL
           GROUP BY 1, 2, 3
         ), reach AS (
           SELECT account_id, region, model_id, status, via FROM model_verdicts
           WHERE status = 'usable' AND ($3::text[] IS NULL OR account_id = ANY($3))
         )
         SELECT coalesce(r.account_id, u.account_id) AS account_id, a.name AS account_name,
                coalesce(r.region, u.region) AS region, coalesce(r.model_id, u.model_id) AS model_id,
                r.status AS verdict, r.via, u.invocations, u.last_at
         FROM reach r FULL JOIN used u
           ON u.account_id = r.account_id AND u.region = r.region AND u.model_id = r.model_id
         LEFT JOIN accounts a ON a.id = coalesce(r.account_id, u.account_id)
         WHERE a.left_at IS NULL
         ORDER BY 4, 1, 3`,
        [from, to, accountIds === null ? null : [...accountIds]],
      );
      return rows.map((r) => ({
        accountId: r.account_id,
        accountName: r.account_name,
        region: r.region,
        modelId: r.model_id,
        verdict: r.verdict,
        via: r.via,
        invocations: r.invocations ?? 0,
        lastInvokedAt: r.last_at,
      }));
    },
  };
}

export type AibomRepository = ReturnType<typeof createAibomRepository>;
