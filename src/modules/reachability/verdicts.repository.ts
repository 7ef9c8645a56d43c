// The engine's stored verdicts per account-Region-model: written by reconciliation (only rows that
// changed), read by the model-access matrix and the model view.
import type { Database, Tx } from "../../db/prisma.js";
import { type ModelVerdict, pathName } from "./reachability.types.js";

/** The row a verdict is stored as. */
export function verdictRow(v: ModelVerdict) {
  const usable = v.paths.find((p) => p.status === "usable");
  const first = v.paths.find((p) => p.status === v.status) ?? v.paths[0];
  return {
    account_id: v.accountId,
    region: v.region,
    model_id: v.modelId,
    status: v.status,
    via: usable ? pathName(usable.path) : null,
    gate: v.status === "usable" ? null : (first?.gate ?? null),
    reason: (usable?.reason ?? first?.reason ?? "no path").slice(0, 2048),
    paths: v.paths.map((p) => ({ path: pathName(p.path), kind: p.path.kind, status: p.status, gate: p.gate })),
  };
}

export function createVerdictsRepository(db: Database) {
  return {
    /**
     * Replaces the stored verdicts of these accounts: upserts what changed, deletes what no longer
     * has a verdict. Returns how many rows changed.
     */
    async replace(
      accountIds: readonly string[],
      verdicts: readonly ModelVerdict[],
      at: Date,
      tx?: Tx,
    ): Promise<number> {
      const q = tx ?? db.client;
      const rows = JSON.stringify(verdicts.map(verdictRow));
      const changed = await q.$executeRaw`
        INSERT INTO model_verdicts AS v (account_id, region, model_id, status, via, gate, reason, paths, computed_at)
        SELECT x.account_id, x.region, x.model_id, x.status, x.via, x.gate, x.reason, x.paths, ${at}
        FROM jsonb_to_recordset(${rows}::jsonb) AS x(account_id text, region text, model_id text, status text,
          via text, gate text, reason text, paths jsonb)
        WHERE EXISTS (SELECT 1 FROM account_regions ar WHERE ar.account_id = x.account_id AND ar.region = x.region)
        ON CONFLICT (account_id, region, model_id) DO UPDATE SET status = EXCLUDED.status, via = EXCLUDED.via,
          gate = EXCLUDED.gate, reason = EXCLUDED.reason, paths = EXCLUDED.paths, computed_at = EXCLUDED.computed_at
        WHERE (v.status, v.via, v.gate, v.reason, v.paths) IS DISTINCT FROM
              (EXCLUDED.status, EXCLUDED.via, EXCLUDED.gate, EXCLUDED.reason, EXCLUDED.paths)`;
      const removed = await q.$executeRaw`
        DELETE FROM model_verdicts v WHERE v.account_id = ANY(${[...accountIds]}::text[])
          AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${rows}::jsonb) AS x(account_id text, region text, model_id text)
                          WHERE x.account_id = v.account_id AND x.region = v.region AND x.model_id = v.model_id)`;
      return changed + removed;
    },
  };
}

export type VerdictsRepository = ReturnType<typeof createVerdictsRepository>;
