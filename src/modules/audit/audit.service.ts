import { createHash, createPublicKey, type KeyObject, sign } from "node:crypto";
import type { Tx } from "../../db/prisma.js";
import { ForbiddenError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditRepository } from "./audit.repository.js";
import {
  type AuditEntry,
  type AuditEvent,
  type AuditFilter,
  type AuditHeadExport,
  type AuditVerification,
  headMessage,
} from "./audit.types.js";

const isIdCursor = (v: unknown): v is { id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { id?: unknown }).id === "string" &&
  /^\d+$/.test((v as { id: string }).id);

export function createAuditService(deps: { repo: AuditRepository; signingKey?: KeyObject | undefined; clock?: Clock }) {
  const publicKey = deps.signingKey ? createPublicKey(deps.signingKey) : undefined;
  const keyId = publicKey
    ? createHash("sha256")
        .update(publicKey.export({ type: "spki", format: "der" }))
        .digest("hex")
        .slice(0, 16)
    : undefined;
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

    /**
     * Recomputes the hash chain and reports the first broken link; with `anchor` (a head exported
     * earlier), also that the anchored entry is still in the chain with the anchored hash.
     */
    async verify(ctx: CallContext, anchor?: { id: string; hash: string }): Promise<AuditVerification> {
      if (!hasRole(ctx.principal, "admin", "auditor"))
        throw new ForbiddenError("verifying the audit log needs admin or auditor");
      return deps.repo.verifyChain(anchor);
    },

    /** The chain head to anchor elsewhere, signed with the configured Ed25519 key. */
    async exportHead(ctx: CallContext): Promise<AuditHeadExport> {
      if (!hasRole(ctx.principal, "admin", "auditor"))
        throw new ForbiddenError("exporting the audit chain head needs admin or auditor");
      const head = await deps.repo.head();
      const exportedAt = (deps.clock?.now() ?? new Date()).toISOString();
      const unsigned = { ...head, exportedAt };
      if (deps.signingKey === undefined || publicKey === undefined || keyId === undefined)
        return { ...unsigned, signature: null };
      return {
        ...unsigned,
        signature: {
          algorithm: "ed25519",
          keyId,
          publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
          value: sign(null, Buffer.from(headMessage(unsigned), "utf8"), deps.signingKey).toString("base64"),
        },
      };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
