// The facts an account-Region sync read for the reachability engine (inventory_facts): one row per
// (account, Region or '' for the account, fact), replaced by each successful sync in the same
// transaction as the rest of the account-Region, with one set-based statement.
import type { Database, Tx } from "../../db/prisma.js";
import type { InventoryFact } from "./inventory.types.js";

export function createInventoryFactsRepository(db: Database) {
  return {
    async upsert(accountId: string, facts: readonly InventoryFact[], at: Date, tx?: Tx): Promise<void> {
      if (facts.length === 0) return;
      const rows = facts.map((f) => ({
        region: f.region,
        fact: f.fact,
        known: f.known,
        value: f.known ? f.value : null,
        reason: f.reason?.slice(0, 1024) ?? null,
      }));
      await (tx ?? db.client).$executeRaw`
        INSERT INTO inventory_facts (account_id, region, fact, known, value, reason, read_at)
        SELECT ${accountId}, f.region, f.fact, f.known, f.value, f.reason, ${at}
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS f(region text, fact text, known boolean, value jsonb, reason text)
        ON CONFLICT (account_id, region, fact) DO UPDATE SET known = EXCLUDED.known, value = EXCLUDED.value,
          reason = EXCLUDED.reason, read_at = EXCLUDED.read_at`;
    },
  };
}

export type InventoryFactsRepository = ReturnType<typeof createInventoryFactsRepository>;
