// The facts an account-Region sync read for the reachability engine (inventory_facts): one row per
// (account, Region or '' for the account, fact), replaced by each successful sync in the same
// transaction as the rest of the account-Region, with one set-based statement.
import type { Database, Tx } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { InventoryFact } from "./inventory.types.js";

function upsertStatement(accountId: string, facts: readonly InventoryFact[], readAt: Date): Prisma.Sql | undefined {
  if (facts.length === 0) return undefined;
  const rows = facts.map((f) => ({
    region: f.region,
    fact: f.fact,
    known: f.known,
    value: f.known ? f.value : null,
    reason: f.reason?.slice(0, 1024) ?? null,
  }));
  return Prisma.sql`
    INSERT INTO inventory_facts (account_id, region, fact, known, value, reason, read_at)
    SELECT ${accountId}, f.region, f.fact, f.known, f.value, f.reason, ${readAt}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS f(region text, fact text, known boolean, value jsonb, reason text)
    ON CONFLICT (account_id, region, fact) DO UPDATE SET known = EXCLUDED.known, value = EXCLUDED.value,
      reason = EXCLUDED.reason, read_at = EXCLUDED.read_at
    WHERE inventory_facts.read_at <= EXCLUDED.read_at`;
}

export function createInventoryFactsRepository(db: Database) {
  return {
    /**
     * `readAt` is when the read began. An account-level fact is read by whichever of the account's
     * Region jobs runs, and jobs of different Regions overlap: a read begun earlier than the stored
     * one (so possibly before a change the stored one saw) never replaces it.
     */
    async upsert(accountId: string, facts: readonly InventoryFact[], readAt: Date, tx?: Tx): Promise<void> {
      const sql = upsertStatement(accountId, facts, readAt);
      if (sql) await (tx ?? db.client).$executeRaw(sql);
    },

    /** `upsert` as a statement for `writeTogether` (undefined: no facts). */
    statements: { upsert: upsertStatement },

    /**
     * An account-level marker fact set by discovery: `mark` given, the fact is recorded as not
     * known (with the reason) for those accounts; undefined, it is cleared everywhere.
     */
    async markAccounts(
      fact: string,
      mark: { ids: readonly string[]; reason: string } | undefined,
      at: Date,
      tx?: Tx,
    ): Promise<void> {
      const q = tx ?? db.client;
      if (mark === undefined) {
        await q.$executeRaw`DELETE FROM inventory_facts WHERE region = '' AND fact = ${fact}`;
        return;
      }
      await q.$executeRaw`
        INSERT INTO inventory_facts (account_id, region, fact, known, value, reason, read_at)
        SELECT a.id, '', ${fact}, false, NULL, ${mark.reason.slice(0, 1024)}, ${at}
        FROM accounts a WHERE a.id = ANY(${[...mark.ids]}::text[])
        ON CONFLICT (account_id, region, fact) DO UPDATE SET known = false, value = NULL,
          reason = EXCLUDED.reason, read_at = EXCLUDED.read_at`;
    },
  };
}

export type InventoryFactsRepository = ReturnType<typeof createInventoryFactsRepository>;
