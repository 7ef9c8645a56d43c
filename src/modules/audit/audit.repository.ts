import { createHash } from "node:crypto";
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

/** The columns an entry's hash covers, as the chain walk reads them (jsonb as PostgreSQL's text form). */
interface ChainRow {
  id: bigint;
  occurred_at: Date;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  actor_roles: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: string | null;
  after: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * An entry's hash as the insert trigger computes it (migration 20261124053000_hardening,
 * hw_audit_event_hash): sha256 over the text of a jsonb array of the entry's columns and the
 * previous hash. jsonb renders an array as `[a, b, …]` with strings escaped as JSON (what
 * JSON.stringify does for text PostgreSQL can hold) and nested jsonb values in their own text form.
 */
export function chainHash(r: Omit<ChainRow, "hash">): string {
  const text = (v: string | null) => (v === null ? "null" : JSON.stringify(v));
  const json = (v: string | null) => v ?? "null";
  const items = [
    text(r.id.toString()),
    text(r.occurred_at.toISOString()),
    text(r.actor_type),
    text(r.actor_id),
    text(r.actor_name),
    text(r.actor_roles),
    text(r.action),
    text(r.target_type),
    text(r.target_id),
    json(r.before),
    json(r.after),
    text(r.request_id),
    text(r.prev_hash),
  ];
  return createHash("sha256")
    .update(`[${items.join(", ")}]`, "utf8")
    .digest("hex");
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

/** The audit log's page: newest first, before the `beforeId` keyset cursor, `limit + 1` rows. */
export function auditListSql(filter: AuditFilter, limit: number, beforeId?: bigint) {
  const where: Prisma.Sql[] = [];
  if (filter.actorId !== undefined) where.push(Prisma.sql`actor_id = ${filter.actorId}`);
  if (filter.action !== undefined) where.push(Prisma.sql`action = ${filter.action}`);
  if (filter.targetType !== undefined) where.push(Prisma.sql`target_type = ${filter.targetType}`);
  if (filter.targetId !== undefined) where.push(Prisma.sql`target_id = ${filter.targetId}`);
  if (filter.requestId !== undefined) where.push(Prisma.sql`request_id = ${filter.requestId}`);
  if (filter.from !== undefined) where.push(Prisma.sql`occurred_at >= ${filter.from}`);
  if (filter.to !== undefined) where.push(Prisma.sql`occurred_at < ${filter.to}`);
  if (beforeId !== undefined) where.push(Prisma.sql`id < ${beforeId.toString()}::bigint`);
  return Prisma.sql`
    SELECT * FROM audit_events WHERE ${where.length > 0 ? Prisma.join(where, " AND ") : Prisma.sql`TRUE`}
    ORDER BY id DESC LIMIT ${limit + 1}`;
}

export function createAuditRepository(db: Database) {
  const client = db.client;
  return {
    async insert(actor: Principal, requestId: string | undefined, entry: AuditEntry, tx: Tx): Promise<void> {
      // Raw SQL (a transaction on node-postgres runs it too, see db/raw-client.ts); the chain
      // trigger sets prev_hash and hash.
      const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
      await tx.$executeRaw`
        INSERT INTO audit_events
          (actor_type, actor_id, actor_name, actor_roles, action, target_type, target_id, before, after, request_id)
        VALUES (${actor.kind}, ${actor.id}, ${actor.name ?? null}, ${actor.roles.join(",")}, ${entry.action},
          ${entry.targetType}, ${entry.targetId ?? null}, ${json(entry.before)}::jsonb, ${json(entry.after)}::jsonb,
          ${requestId ?? null})`;
    },

    /** Newest first; `beforeId` is the keyset cursor. Reads `limit + 1` rows. */
    async list(filter: AuditFilter, limit: number, beforeId?: bigint): Promise<AuditEvent[]> {
      const rows = await db.read<Row>(auditListSql(filter, limit, beforeId));
      return rows.map(toDomain);
    },

    /**
     * Walks the chain in id order (id order is chain order: ids are taken under the chain lock) and
     * recomputes every hash HERE, in the application, from the entry's columns: whoever can replace
     * the database's own hash function (the insert trigger's) cannot make an edited entry verify.
     * Keyset batches, so no statement holds a snapshot of the whole table.
     */
    /** The newest link of the chain. */
    async head(): Promise<{ id: string; hash: string }> {
      const head = await client.auditChainHead.findUnique({ where: { id: 1 } });
      return { id: (head?.lastId ?? 0n).toString(), hash: head?.lastHash ?? GENESIS_HASH };
    },

    async verifyChain(anchor?: { id: string; hash: string }, batchSize = 5_000): Promise<AuditVerification> {
      let anchorSeen = false;
      let afterId = 0n;
      let prevHash = GENESIS_HASH;
      let prevId: bigint | null = null;
      let checked = 0;
      let firstBroken: AuditChainBreak | null = null;
      batches: for (;;) {
        const rows = await client.$queryRaw<ChainRow[]>`
          SELECT e.id, e.occurred_at, e.actor_type, e.actor_id, e.actor_name, e.actor_roles, e.action,
                 e.target_type, e.target_id, e.before::text AS before, e.after::text AS after, e.request_id,
                 e.prev_hash, e.hash
          FROM "audit_events" e WHERE e.id > ${afterId} ORDER BY e.id LIMIT ${batchSize}`;
        if (rows.length === 0) break;
        for (const r of rows) {
          if (r.prev_hash !== prevHash) {
            firstBroken = {
              id: r.id.toString(),
              reason: "link_broken",
              previousId: prevId === null ? null : prevId.toString(),
              detail:
                prevId === null
                  ? `audit event ${r.id} is the first present but does not start the chain: earlier events were deleted`
                  : `audit event ${r.id} does not link to event ${prevId}: events between them were deleted or ${prevId} was replaced`,
            };
            break batches;
          }
          if (chainHash(r) !== r.hash) {
            firstBroken = {
              id: r.id.toString(),
              reason: "content_altered",
              detail: `audit event ${r.id} does not match its hash: it was changed after it was written`,
            };
            break batches;
          }
          if (anchor !== undefined && r.id.toString() === anchor.id) {
            anchorSeen = true;
            if (r.hash !== anchor.hash) {
              firstBroken = {
                id: anchor.id,
                reason: "anchor_mismatch",
                detail: `audit event ${anchor.id} has hash ${r.hash}, not the anchored ${anchor.hash}: the chain was rewritten from there on`,
              };
              break batches;
            }
          }
          checked++;
          prevId = r.id;
          prevHash = r.hash;
        }
        afterId = prevId as bigint;
        // Let other work run between batches of hashing.
        await new Promise((resolve) => setImmediate(resolve));
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
      if (!firstBroken && anchor !== undefined && !anchorSeen)
        firstBroken = {
          id: anchor.id,
          reason: "anchor_mismatch",
          detail: `the anchored audit event ${anchor.id} is not in the chain: it was deleted or the chain was rewritten`,
        };
      return { ok: firstBroken === null, checked, firstBroken, head: headView };
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
