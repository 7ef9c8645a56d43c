// Inventory history: one row per change (entity, subject, field, old → new), in the run that saw it.
import type { Database, Tx } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { ChangeRow } from "./inventory.types.js";

function insertStatement(runId: string | null, at: Date, changes: readonly ChangeRow[]): Prisma.Sql | undefined {
  if (changes.length === 0) return undefined;
  const rows = changes.map((c) => ({
    entity: c.entity,
    account_id: c.accountId,
    region: c.region,
    subject: c.subject,
    change: c.change,
    old_value: c.oldValue ?? null,
    new_value: c.newValue ?? null,
  }));
  return Prisma.sql`
    INSERT INTO inventory_changes (run_id, occurred_at, entity, account_id, region, subject, change, old_value, new_value)
    SELECT ${runId}::uuid, ${at}, r.entity, r.account_id, r.region, r.subject, r.change, r.old_value, r.new_value
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS r(entity text, account_id text, region text, subject text, change text, old_value jsonb, new_value jsonb)`;
}

export function createChangeHistoryRepository(db: Database) {
  return {
    async insert(runId: string | null, at: Date, changes: readonly ChangeRow[], tx?: Tx): Promise<void> {
      const sql = insertStatement(runId, at, changes);
      if (sql) await (tx ?? db.client).$executeRaw(sql);
    },

    /** `insert` as a statement for `writeTogether` (undefined: no changes). */
    statements: { insert: insertStatement },
  };
}

export type ChangeHistoryRepository = ReturnType<typeof createChangeHistoryRepository>;
