// The engine's stored verdicts per account-Region-model: written by reconciliation (only rows that
// changed), read by the model-access matrix and the model view.
import { copyNullable, copyRow, copyText } from "../../db/copy.js";
import type { BulkTx, Database } from "../../db/prisma.js";
import { digestByAccount, storeDigests, storedDigests } from "../../db/row-digests.js";
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

const STAGE_COLUMNS = ["account_id", "region", "model_id", "status", "via", "gate", "reason", "paths"] as const;

/** A verdict as the COPY line of its stored row, with its account. */
export interface VerdictLine {
  accountId: string;
  line: string;
}

export const verdictLine = (v: ModelVerdict): VerdictLine => ({ accountId: v.accountId, line: stageLine(v) });

const stageLine = (v: ModelVerdict): string => {
  const r = verdictRow(v);
  return copyRow([
    copyText(r.account_id),
    copyText(r.region),
    copyText(r.model_id),
    copyText(r.status),
    copyNullable(r.via),
    copyNullable(r.gate),
    copyText(r.reason),
    copyText(JSON.stringify(r.paths)),
  ]);
};

export function createVerdictsRepository(_db: Database) {
  return {
    /**
     * Replaces the stored verdicts of these accounts in the transaction. Accounts whose rows have
     * the digest stored by the last replace are left alone (nothing changed); the others' verdicts
     * are COPYed into a stage, then what changed is upserted and what no longer has a verdict
     * deleted. Returns how many rows changed.
     */
    async replace(
      accountIds: readonly string[],
      verdicts: readonly VerdictLine[],
      at: Date,
      tx: BulkTx,
    ): Promise<number> {
      const digests = digestByAccount(
        accountIds,
        verdicts,
        (v) => v.accountId,
        (v) => v.line,
      );
      const stored = await storedDigests("verdicts", [...digests.keys()], tx);
      const changed = new Map([...digests].filter(([id, d]) => stored.get(id) !== d));
      if (changed.size === 0) return 0;
      await tx.query(
        `CREATE TEMP TABLE IF NOT EXISTS verdict_stage (account_id text, region text, model_id text, status text,
           via text, gate text, reason text, paths jsonb) ON COMMIT DROP`,
      );
      await tx.copy(
        "verdict_stage",
        STAGE_COLUMNS,
        verdicts.filter((v) => changed.has(v.accountId)).map((v) => v.line),
      );
      const [counts] = await tx.query<{ changed: string; removed: string }>(
        `WITH up AS (
           INSERT INTO model_verdicts AS v (account_id, region, model_id, status, via, gate, reason, paths, computed_at)
           SELECT x.account_id, x.region, x.model_id, x.status, x.via, x.gate, x.reason, x.paths, $1
           FROM verdict_stage x
           WHERE EXISTS (SELECT 1 FROM account_regions ar WHERE ar.account_id = x.account_id AND ar.region = x.region)
           ON CONFLICT (account_id, region, model_id) DO UPDATE SET status = EXCLUDED.status, via = EXCLUDED.via,
             gate = EXCLUDED.gate, reason = EXCLUDED.reason, paths = EXCLUDED.paths, computed_at = EXCLUDED.computed_at
           WHERE (v.status, v.via, v.gate, v.reason, v.paths) IS DISTINCT FROM
                 (EXCLUDED.status, EXCLUDED.via, EXCLUDED.gate, EXCLUDED.reason, EXCLUDED.paths)
           RETURNING 1
         ), gone AS (
           DELETE FROM model_verdicts v WHERE v.account_id = ANY($2::text[])
             AND NOT EXISTS (SELECT 1 FROM verdict_stage x WHERE x.account_id = v.account_id AND x.region = v.region
                             AND x.model_id = v.model_id)
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM up) AS changed, (SELECT count(*) FROM gone) AS removed`,
        [at, [...changed.keys()]],
      );
      await tx.query("TRUNCATE verdict_stage");
      await storeDigests("verdicts", changed, tx);
      return Number(counts?.changed ?? 0) + Number(counts?.removed ?? 0);
    },
  };
}

export type VerdictsRepository = ReturnType<typeof createVerdictsRepository>;
