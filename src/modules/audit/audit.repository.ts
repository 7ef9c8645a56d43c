import type { PrismaClient, Tx } from "../../db/prisma.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { Principal } from "../auth/auth.types.js";
import type {
  AuditChainBreak,
  AuditEntry,
  AuditEvent,
  AuditFilter,
  AuditSummary,
  AuditVerification,
} from "./audit.types.js";

export const GENESIS_HASH = "0".repeat(64);

interface BatchRow {
  n: bigint;
  last_id: bigint | null;
  last_hash: string | null;
  bad_id: bigint | null;
  bad_altered: boolean | null;
  bad_prev_id: bigint | null;
  intact_before: bigint;
}

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
    prevHash: row.prevHash,
    hash: row.hash,
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

    /**
     * Walks the chain in id order (id order is chain order: ids are taken under the chain lock),
     * recomputing every hash in the database with the same function the insert trigger uses, in
     * keyset batches so no statement holds a snapshot of the whole table.
     */
    async verifyChain(batchSize = 20_000): Promise<AuditVerification> {
      let afterId = 0n;
      let prevHash = GENESIS_HASH;
      let prevId: bigint | null = null;
      let checked = 0;
      let firstBroken: AuditChainBreak | null = null;
      for (;;) {
        const [row] = await client.$queryRaw<BatchRow[]>`
          WITH b AS (
            SELECT e.id, e.hash, e.prev_hash, "hw_audit_event_hash"(e) AS expected,
                   lag(e.hash) OVER (ORDER BY e.id) AS prev_stored,
                   lag(e.id) OVER (ORDER BY e.id) AS prev_id
            FROM "audit_events" e WHERE e.id > ${afterId} ORDER BY e.id LIMIT ${batchSize}
          ), bad AS (
            SELECT id, expected <> hash AS altered, prev_id FROM b
            WHERE expected <> hash OR prev_hash <> coalesce(prev_stored, ${prevHash}::char(64))
            ORDER BY id LIMIT 1
          )
          SELECT (SELECT count(*) FROM b) AS n,
                 (SELECT max(id) FROM b) AS last_id,
                 (SELECT hash FROM b ORDER BY id DESC LIMIT 1) AS last_hash,
                 (SELECT id FROM bad) AS bad_id,
                 (SELECT altered FROM bad) AS bad_altered,
                 (SELECT prev_id FROM bad) AS bad_prev_id,
                 (SELECT count(*) FROM b WHERE b.id < (SELECT id FROM bad)) AS intact_before`;
        if (!row || row.n === 0n) break;
        if (row.bad_id !== null) {
          // A link broken at the first row of a batch points at the previous batch's last row.
          const previous = row.bad_prev_id ?? prevId;
          firstBroken = row.bad_altered
            ? {
                id: row.bad_id.toString(),
                reason: "content_altered",
                detail: `audit event ${row.bad_id} does not match its hash: it was changed after it was written`,
              }
            : {
                id: row.bad_id.toString(),
                reason: "link_broken",
                previousId: previous === null ? null : previous.toString(),
                detail:
                  previous === null
                    ? `audit event ${row.bad_id} is the first present but does not start the chain: earlier events were deleted`
                    : `audit event ${row.bad_id} does not link to event ${previous}: events between them were deleted or ${previous} was replaced`,
              };
          checked += Number(row.intact_before);
          break;
        }
        checked += Number(row.n);
        afterId = row.last_id as bigint;
        prevId = afterId;
        prevHash = row.last_hash as string;
      }
      const head = await client.auditChainHead.findUnique({ where: { id: 1 } });
      const headView = { id: (head?.lastId ?? 0n).toString(), hash: head?.lastHash ?? GENESIS_HASH };
      if (!firstBroken && head && (head.lastId !== (prevId ?? 0n) || head.lastHash !== prevHash)) {
        firstBroken = {
          id: head.lastId.toString(),
          reason: "tail_missing",
          detail: `the chain head names audit event ${head.lastId}, but the last event present is ${prevId ?? "none"}: the newest events were deleted`,
        };
      }
      return { ok: firstBroken === null, checked, firstBroken, head: headView };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
