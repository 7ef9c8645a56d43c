import type { Database, Tx } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { Principal } from "../../kernel/principal.js";
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

/** A row of audit_events as `db.read` gives it (the id, a bigint, as a string). */
interface Row {
  id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  actor_roles: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

function toDomain(row: Row): AuditEvent {
  return {
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    actorType: row.actor_type as AuditEvent["actorType"],
    actorId: row.actor_id,
    actorName: row.actor_name,
    actorRoles: row.actor_roles ? row.actor_roles.split(",") : [],
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    before: (row.before as AuditSummary | null) ?? null,
    after: (row.after as AuditSummary | null) ?? null,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function createAuditRepository(db: Database) {
  const client = db.client;
  return {
    async insert(actor: Principal, requestId: string | undefined, entry: AuditEntry, tx: Tx): Promise<void> {
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
      const where: Prisma.Sql[] = [];
      if (filter.actorId !== undefined) where.push(Prisma.sql`actor_id = ${filter.actorId}`);
      if (filter.action !== undefined) where.push(Prisma.sql`action = ${filter.action}`);
      if (filter.targetType !== undefined) where.push(Prisma.sql`target_type = ${filter.targetType}`);
      if (filter.targetId !== undefined) where.push(Prisma.sql`target_id = ${filter.targetId}`);
      if (filter.requestId !== undefined) where.push(Prisma.sql`request_id = ${filter.requestId}`);
      if (filter.from !== undefined) where.push(Prisma.sql`occurred_at >= ${filter.from}`);
      if (filter.to !== undefined) where.push(Prisma.sql`occurred_at < ${filter.to}`);
      if (beforeId !== undefined) where.push(Prisma.sql`id < ${beforeId.toString()}::bigint`);
      const rows = await db.read<Row>(Prisma.sql`
        SELECT * FROM audit_events WHERE ${where.length > 0 ? Prisma.join(where, " AND ") : Prisma.sql`TRUE`}
        ORDER BY id DESC LIMIT ${limit + 1}`);
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
