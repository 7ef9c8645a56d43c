// Editing and deleting a versioned configuration row (approval rules, webhooks) with its audit
// event in the same transaction: 404 when it does not exist, 412 when If-Match names another
// version, 409 when it changed between the read and the write.
import type { Database, Tx } from "../../db/prisma.js";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../../kernel/errors.js";
import type { CallContext } from "../../kernel/principal.js";
import type { AuditService } from "../audit/audit.service.js";
import type { AuditEntry } from "../audit/audit.types.js";

export function auditedEdits<V extends { version: number }>(deps: {
  db: Database;
  audit: AuditService;
  /** For messages: "webhook". */
  noun: string;
  /** Audit target type and action prefix: "webhook" → webhook.update, webhook.delete. */
  targetType: string;
  find(id: string, tx: Tx): Promise<V | undefined>;
  remove(id: string, tx: Tx): Promise<boolean>;
  /** What the audit event keeps of a row. */
  summary(row: V): Record<string, unknown>;
}) {
  const { db, audit, noun, targetType, summary } = deps;
  const record = (ctx: CallContext, verb: string, id: string, change: Pick<AuditEntry, "before" | "after">, tx: Tx) =>
    audit.record(ctx, { action: `${targetType}.${verb}`, targetType, targetId: id, ...change }, tx);
  return {
    /** Applies `write` (false: the row is no longer at `version`) and returns the row after it. */
    update(
      ctx: CallContext,
      id: string,
      ifMatch: number | undefined,
      write: (version: number, tx: Tx) => Promise<boolean>,
    ) {
      return db.transaction(async (tx) => {
        const before = await deps.find(id, tx);
        if (!before) throw new NotFoundError(`${noun} ${id} not found`);
        if (ifMatch !== undefined && ifMatch !== before.version)
          throw new PreconditionFailedError(`${noun} ${id} is at version ${before.version}, not ${ifMatch}`);
        if (!(await write(before.version, tx))) throw new ConflictError(`${noun} ${id} changed meanwhile`, {}, "STALE");
        const after = (await deps.find(id, tx)) as V;
        await record(ctx, "update", id, { before: summary(before), after: summary(after) }, tx);
        return after;
      });
    },

    async remove(ctx: CallContext, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await deps.find(id, tx);
        if (!before || !(await deps.remove(id, tx))) throw new NotFoundError(`${noun} ${id} not found`);
        await record(ctx, "delete", id, { before: summary(before) }, tx);
      });
    },
  };
}
