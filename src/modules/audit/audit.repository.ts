import type { PrismaClient, Tx } from "../../db/prisma.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Principal } from "../auth/auth.types.js";
import type { AuditEntry, AuditEvent, AuditFilter, AuditSummary } from "./audit.types.js";

type Row = Prisma.AuditEventGetPayload<object>;

function toDomain(row: Row): AuditEvent {
  return {
    id: row.id.toString(),
    occurredAt: row.occurredAt.toISOString(),
    actorType: row.actorType as AuditEvent["actorType"],
    actorId: row.actorId,
    actorName: row.actorName,
    actorRoles: row.actorRoles ? row.actorRoles.split(",") : [],
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: (row.before as AuditSummary | null) ?? null,
    after: (row.after as AuditSummary | null) ?? null,
    requestId: row.requestId,
  };
}

export function createAuditRepository(client: PrismaClient) {
  return {
    async insert(tx: Tx, actor: Principal, requestId: string | undefined, entry: AuditEntry): Promise<void> {
      await tx.auditEvent.create({
        data: {
          actorType: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          actorRoles: actor.roles.join(","),
          action: entry.action,
          targetType: entry.targetType,
          targetId: entry.targetId ?? null,
          before: (entry.before as Prisma.InputJsonValue | undefined) ?? undefined,
          after: (entry.after as Prisma.InputJsonValue | undefined) ?? undefined,
          requestId: requestId ?? null,
        },
      });
    },

    /** Newest first; `beforeId` is the keyset cursor. Reads `limit + 1` rows. */
    async list(filter: AuditFilter, limit: number, beforeId?: bigint): Promise<AuditEvent[]> {
      const rows = await client.auditEvent.findMany({
        where: {
          actorId: filter.actorId,
          action: filter.action,
          targetType: filter.targetType,
          targetId: filter.targetId,
          requestId: filter.requestId,
          occurredAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
          id: beforeId !== undefined ? { lt: beforeId } : undefined,
        },
        orderBy: { id: "desc" },
        take: limit + 1,
      });
      return rows.map(toDomain);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
