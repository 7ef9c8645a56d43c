// Stored findings. A reconciliation result is applied in three set-based statements: upsert every
// candidate by key, resolve what was open (or whose suppression expired) and is no longer found,
// and nothing else. Suppressed findings stay suppressed, seen or not, until their expiry.
import { type Database, lockKey, type PrismaClient, type Tx, translatePrismaError } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import {
  type Finding,
  type FindingCandidate,
  type FindingFilter,
  type FindingSeverity,
  type FindingStatus,
  type FindingType,
  RECONCILE_FINDING_TYPES,
} from "./reconcile.types.js";

interface Db {
  /** bigint from Prisma, a string from `db.read`. */
  id: bigint | string;
  key: string;
  type: string;
  severity: string;
  status: string;
  account_id: string;
  region: string | null;
  model_id: string | null;
  path: string | null;
  gate: string | null;
  detail: string;
  evidence: unknown;
  first_seen_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  suppressed_reason: string | null;
  suppressed_until: Date | null;
  suppressed_by: string | null;
}

const toFinding = (r: Db): Finding => ({
  id: r.id.toString(),
  key: r.key,
  type: r.type as FindingType,
  severity: r.severity as FindingSeverity,
  status: r.status as FindingStatus,
  accountId: r.account_id,
  region: r.region,
  modelId: r.model_id,
  path: r.path,
  gate: r.gate,
  detail: r.detail,
  evidence: (r.evidence as Record<string, unknown> | null) ?? {},
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  resolvedAt: r.resolved_at,
  suppressedReason: r.suppressed_reason,
  suppressedUntil: r.suppressed_until,
  suppressedBy: r.suppressed_by,
});

export interface ApplyResult {
  /** Findings seen for the first time. */
  created: number;
  /** Findings seen again (open, re-opened, or still suppressed). */
  seenAgain: number;
  resolved: number;
}

export function createFindingsRepository(db: Database) {
  const client = db.client;
  return {
    /**
     * One reconciliation at a time, reading only once it holds the lock: a run that read an older
     * catalog or inventory must not apply after a newer one and re-open what it resolved.
     */
    lockForApply: (tx: Tx) => lockKey("reconcile:apply", tx),

    /**
     * Applies one reconciliation result at `now`. `accountIds`, when given, limits resolution to
     * findings of those accounts (a reconciliation of part of the organization must not resolve
     * the rest); candidates are expected to belong to them.
     */
    async apply(
      candidates: readonly FindingCandidate[],
      now: Date,
      opts: { accountIds?: readonly string[] } = {},
      tx: Tx | PrismaClient = client,
    ): Promise<ApplyResult> {
      const rows = JSON.stringify(
        candidates.map((c) => ({
          key: c.key,
          type: c.type,
          severity: c.severity,
          account_id: c.accountId,
          region: c.region,
          model_id: c.modelId,
          path: c.path,
          gate: c.gate,
          detail: c.detail,
          evidence: c.evidence,
        })),
      );
      // A suppression without expiry lasts until someone lifts it; an expired one no longer counts.
      const upserted = await tx.$queryRaw<{ inserted: boolean }[]>`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS x(
            key text, type text, severity text, account_id text, region text, model_id text, path text, gate text,
            detail text, evidence jsonb)
        )
        INSERT INTO findings AS f (key, type, severity, status, account_id, region, model_id, path, gate, detail, evidence,
          first_seen_at, last_seen_at)
        SELECT key, type, severity, 'open', account_id, region, model_id, path, gate, detail, evidence, ${now}, ${now}
        FROM input
        ON CONFLICT (key) DO UPDATE SET
          type = EXCLUDED.type,
          severity = EXCLUDED.severity,
          detail = EXCLUDED.detail,
          evidence = EXCLUDED.evidence,
          last_seen_at = EXCLUDED.last_seen_at,
          status = CASE
            WHEN f.status = 'suppressed' AND (f.suppressed_until IS NULL OR f.suppressed_until > EXCLUDED.last_seen_at)
              THEN 'suppressed'::"FindingStatus"
            ELSE 'open'::"FindingStatus" END,
          resolved_at = NULL
        RETURNING (xmax = 0) AS inserted`;
      const keys = candidates.map((c) => c.key);
      const accountIds = opts.accountIds === undefined ? null : [...opts.accountIds];
      // Only reconciliation's own types: other findings (UNAPPROVED_INVOCATION: past calls) are
      // not absent just because the inventory does not show them.
      const types = [...RECONCILE_FINDING_TYPES];
      const resolved = await tx.$executeRaw`
        UPDATE findings SET status = 'resolved', resolved_at = ${now}
        WHERE (status = 'open' OR (status = 'suppressed' AND suppressed_until <= ${now}))
          AND type = ANY(${types}::text[])
          AND NOT (key = ANY(${keys}::text[]))
          AND (${accountIds}::text[] IS NULL OR account_id = ANY(${accountIds}::text[]))`;
      const created = upserted.filter((r) => r.inserted).length;
      return { created, seenAgain: upserted.length - created, resolved };
    },

    async byId(id: string, tx: Tx | PrismaClient = client): Promise<Finding | undefined> {
      const rows = await tx.$queryRaw<Db[]>`SELECT * FROM findings WHERE id = ${BigInt(id)}`;
      const row = rows[0];
      return row === undefined ? undefined : toFinding(row);
    },

    /** Findings matching the filter, newest id first, after the `afterId` cursor. */
    async list(filter: FindingFilter, page: { limit: number; afterId?: string }): Promise<Finding[]> {
      const f = filter;
      const after = page.afterId === undefined ? null : BigInt(page.afterId);
      const rows = await db.read<Db>(Prisma.sql`
        SELECT * FROM findings
        WHERE (${f.status ?? null}::text IS NULL OR status::text = ${f.status ?? null}::text)
          AND (${f.type ?? null}::text IS NULL OR type = ${f.type ?? null}::text)
          AND (${f.severity ?? null}::text IS NULL OR severity = ${f.severity ?? null}::text)
          AND (${f.accountId ?? null}::text IS NULL OR account_id = ${f.accountId ?? null}::text)
          AND (${f.region ?? null}::text IS NULL OR region = ${f.region ?? null}::text)
          AND (${f.modelId ?? null}::text IS NULL OR model_id = ${f.modelId ?? null}::text)
          AND (${after}::bigint IS NULL OR id < ${after}::bigint)
        ORDER BY id DESC
        LIMIT ${page.limit}`);
      return rows.map(toFinding);
    },

    /** Suppresses a finding; undefined when it does not exist. */
    async suppress(
      id: string,
      s: { reason: string; until: Date; by: string },
      tx: Tx | PrismaClient = client,
    ): Promise<Finding | undefined> {
      try {
        const rows = await tx.$queryRaw<Db[]>`
          UPDATE findings SET status = 'suppressed', suppressed_reason = ${s.reason},
            suppressed_until = ${s.until}, suppressed_by = ${s.by}, resolved_at = NULL
          WHERE id = ${BigInt(id)} RETURNING *`;
        const row = rows[0];
        return row === undefined ? undefined : toFinding(row);
      } catch (err) {
        translatePrismaError(err, "finding");
      }
    },
  };
}

export type FindingsRepository = ReturnType<typeof createFindingsRepository>;
