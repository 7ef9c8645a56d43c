import type { Tx } from "../../db/prisma.js";
import { ForbiddenError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditRepository } from "./audit.repository.js";
import type { AuditEntry, AuditEvent, AuditFilter, AuditVerification } from "./audit.types.js";

const isIdCursor = (v: unknown): v is { id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { id?: unknown }).id === "string" &&
  /^\d+$/.test((v as { id: string }).id);

export function createAuditService(deps: { repo: AuditRepository }) {
  return {
    /** Writes one audit event inside the caller's transaction, so it commits with the change. */
    record(ctx: CallContext, entry: AuditEntry, tx: Tx): Promise<void> {
      return deps.repo.insert(ctx.principal, ctx.requestId, entry, tx);
    },

    async list(
      ctx: CallContext,
      filter: AuditFilter,
      page: { limit: number; cursor?: string },
    ): Promise<Page<AuditEvent>> {
      if (!hasRole(ctx.principal, "admin", "auditor"))
        throw new ForbiddenError("reading the audit log needs admin or auditor");
      if (filter.from && filter.to && filter.from >= filter.to) {
        throw new ValidationError("`from` must be before `to`", [
          { field: "query.from", message: "must be before `to`" },
        ]);
      }
      const cursor = decodeCursor(page.cursor, isIdCursor);
      const rows = await deps.repo.list(filter, page.limit, cursor ? BigInt(cursor.id) : undefined);
      return toPage(rows, page.limit, (last) => ({ id: last.id }));
    },

    /** Recomputes the hash chain and reports the first broken link. */
    async verify(ctx: CallContext): Promise<AuditVerification> {
      if (!hasRole(ctx.principal, "admin", "auditor"))
        throw new ForbiddenError("verifying the audit log needs admin or auditor");
      return deps.repo.verifyChain();
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
