// Stored findings. A reconciliation result is applied set-based: upsert the candidates by key (a
// chunk of accounts at a time), then resolve what was open (or whose suppression expired) and was
// not found, and nothing else. Suppressed findings stay suppressed, seen or not, until their expiry.
import { copyNullable, copyRow, copyText } from "../../db/copy.js";
import { type BulkTx, type Database, type PrismaClient, type Tx, translatePrismaError } from "../../db/prisma.js";
import { digestByAccount, forgetDigests, storeDigests, storedDigests } from "../../db/row-digests.js";
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

const STAGE_COLUMNS = [
  "key",
  "type",
  "severity",
  "account_id",
  "region",
  "model_id",
  "path",
  "gate",
  "detail",
  "evidence",
] as const;

const stageLine = (c: FindingCandidate): string =>
  copyRow([
    copyText(c.key),
    copyText(c.type),
    copyText(c.severity),
    copyText(c.accountId),
    copyNullable(c.region),
    copyNullable(c.modelId),
    copyNullable(c.path),
    copyNullable(c.gate),
    copyText(c.detail),
    copyText(JSON.stringify(c.evidence)),
  ]);

/** COPYs candidate lines into the run's stage and upserts them (see `upsertFound`). */
async function upsertLines(lines: readonly string[], now: Date, tx: BulkTx): Promise<Omit<ApplyResult, "resolved">> {
  if (lines.length === 0) return { created: 0, seenAgain: 0 };
  await tx.copy("reconcile_stage", STAGE_COLUMNS, lines);
  const [counts] = await tx.query<{ created: string; total: string }>(
    `WITH seen AS (
         INSERT INTO reconcile_seen (key) SELECT key FROM reconcile_stage
       ), up AS (
         INSERT INTO findings AS f (key, type, severity, status, account_id, region, model_id, path, gate, detail,
           evidence, first_seen_at, last_seen_at)
         SELECT key, type, severity, 'open', account_id, region, model_id, path, gate, detail, evidence, $1, $1
         FROM reconcile_stage
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
         RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted) AS created, count(*) AS total FROM up`,
    [now],
  );
  await tx.query("TRUNCATE reconcile_stage");
  const created = Number(counts?.created ?? 0);
  return { created, seenAgain: Number(counts?.total ?? 0) - created };
}

/** Findings matching the filter, newest id first, after the `afterId` cursor. */
export function findingsListSql(filter: FindingFilter, page: { limit: number; afterId?: string }) {
  const f = filter;
  const after = page.afterId === undefined ? null : BigInt(page.afterId);
  return Prisma.sql`
    SELECT * FROM findings
    WHERE (${f.status ?? null}::text IS NULL OR status::text = ${f.status ?? null}::text)
      AND (${f.type ?? null}::text IS NULL OR type = ${f.type ?? null}::text)
      AND (${f.severity ?? null}::text IS NULL OR severity = ${f.severity ?? null}::text)
      AND (${f.accountId ?? null}::text IS NULL OR account_id = ${f.accountId ?? null}::text)
      AND (${f.region ?? null}::text IS NULL OR region = ${f.region ?? null}::text)
      AND (${f.modelId ?? null}::text IS NULL OR model_id = ${f.modelId ?? null}::text)
      AND (${after}::bigint IS NULL OR id < ${after}::bigint)
    ORDER BY id DESC
    LIMIT ${page.limit}`;
}

export function createFindingsRepository(db: Database) {
  const client = db.client;
  return {
    /**
     * One reconciliation at a time, reading only once it holds the lock: a run that read an older
     * catalog or inventory must not apply after a newer one and re-open what it resolved.
     */
    async lockForApply(tx: BulkTx): Promise<void> {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('reconcile:apply'))");
    },

    /**
     * Opens one reconciliation's tables in the transaction: a chunk's candidates are COPYed into a
     * stage and upserted from it (`upsertFound`, while the next chunk is judged), their keys kept,
     * and what was not found is resolved at the end (`resolveUnseen`). The tables live until the
     * transaction ends.
     */
    async openRun(tx: BulkTx): Promise<void> {
      await tx.query(
        `CREATE TEMP TABLE reconcile_stage (key text, type text, severity text, account_id text, region text,
           model_id text, path text, gate text, detail text, evidence jsonb) ON COMMIT DROP`,
      );
      await tx.query("CREATE TEMP TABLE reconcile_seen (key text NOT NULL) ON COMMIT DROP");
      // Accounts whose candidates did not change: every open finding of theirs was seen again.
      await tx.query("CREATE TEMP TABLE reconcile_unchanged (account_id text NOT NULL) ON COMMIT DROP");
    },

    /**
     * Upserts the candidates of a chunk of accounts (`accountIds`: every account judged, with or
     * without candidates). An account whose candidates have the digest stored by the run that last
     * wrote them, and no suppression that expired since, only has its findings' last_seen_at moved
     * to `now` (what a full upsert would change, nothing else); the other accounts' candidates go
     * through `upsertFound` and their digests are stored.
     */
    async upsertChunk(
      accountIds: readonly string[],
      candidates: readonly FindingCandidate[],
      now: Date,
      tx: BulkTx,
    ): Promise<Omit<ApplyResult, "resolved">> {
      const lines = candidates.map(stageLine);
      const order = candidates.map((_, i) => i);
      const digests = digestByAccount(
        accountIds,
        order,
        (i) => candidates[i]?.accountId ?? "",
        (i) => lines[i] ?? "",
      );
      const ids = [...digests.keys()];
      const stored = await storedDigests("findings", ids, tx);
      const expired = new Set(
        (
          await tx.query<{ account_id: string }>(
            `SELECT DISTINCT account_id FROM findings WHERE account_id = ANY($1::text[]) AND status = 'suppressed'
             AND suppressed_until <= $2`,
            [ids, now],
          )
        ).map((r) => r.account_id),
      );
      const same = new Set(ids.filter((id) => stored.get(id) === digests.get(id) && !expired.has(id)));
      let seenAgain = 0;
      if (same.size > 0) {
        const keys = order.filter((i) => same.has(candidates[i]?.accountId ?? "")).map((i) => candidates[i]?.key);
        const [row] = await tx.query<{ n: string }>(
          `WITH u AS (
             UPDATE findings SET last_seen_at = $1 WHERE key = ANY($2::text[]) AND status <> 'resolved' RETURNING 1
           ), x AS (INSERT INTO reconcile_unchanged (account_id) SELECT unnest($3::text[]))
           SELECT count(*) AS n FROM u`,
          [now, keys, [...same]],
        );
        seenAgain = Number(row?.n ?? 0);
        // Every candidate is stored and not resolved, as the digest says; otherwise rows were
        // written another way, and these accounts take the full path below.
        if (seenAgain !== keys.length) {
          await tx.query("DELETE FROM reconcile_unchanged WHERE account_id = ANY($1::text[])", [[...same]]);
          same.clear();
          seenAgain = 0;
        }
      }
      const rest = order.filter((i) => !same.has(candidates[i]?.accountId ?? ""));
      const found = await upsertLines(
        rest.map((i) => lines[i] ?? ""),
        now,
        tx,
      );
      await storeDigests("findings", new Map([...digests].filter(([id]) => !same.has(id))), tx);
      return { created: found.created, seenAgain: seenAgain + found.seenAgain };
    },

    /**
     * Upserts found candidates (unique keys, not upserted before in this run) at `now` and keeps
     * their keys. A suppression without expiry lasts until someone lifts it; an expired one no
     * longer counts.
     */
    async upsertFound(
      candidates: readonly FindingCandidate[],
      now: Date,
      tx: BulkTx,
    ): Promise<Omit<ApplyResult, "resolved">> {
      return upsertLines(candidates.map(stageLine), now, tx);
    },

    /**
     * Resolves, at `now`, what was open (or whose suppression expired) and this run did not find.
     * `accountIds`, when given, limits it to findings of those accounts (a reconciliation of part
     * of the organization must not resolve the rest). Returns how many were resolved.
     */
    async resolveUnseen(now: Date, opts: { accountIds?: readonly string[] }, tx: BulkTx): Promise<number> {
      const accountIds = opts.accountIds === undefined ? null : [...opts.accountIds];
      // Only reconciliation's own types: other findings (UNAPPROVED_INVOCATION: past calls) are
      // not absent just because the inventory does not show them.
      await tx.query("ANALYZE reconcile_seen, reconcile_unchanged");
      const [row] = await tx.query<{ resolved: string }>(
        `WITH r AS (
           UPDATE findings f SET status = 'resolved', resolved_at = $1
           WHERE (f.status = 'open' OR (f.status = 'suppressed' AND f.suppressed_until <= $1))
             AND f.type = ANY($2::text[])
             AND NOT EXISTS (SELECT 1 FROM reconcile_seen s WHERE s.key = f.key)
             AND NOT EXISTS (SELECT 1 FROM reconcile_unchanged u WHERE u.account_id = f.account_id)
             AND ($3::text[] IS NULL OR f.account_id = ANY($3::text[]))
           RETURNING 1)
         SELECT count(*) AS resolved FROM r`,
        [now, [...RECONCILE_FINDING_TYPES], accountIds],
      );
      return Number(row?.resolved ?? 0);
    },

    /** Applies one whole reconciliation result at `now`, in its own transaction. */
    async apply(
      candidates: readonly FindingCandidate[],
      now: Date,
      opts: { accountIds?: readonly string[] } = {},
    ): Promise<ApplyResult> {
      return db.bulkTransaction(async (tx) => {
        // Written without digests: the next reconciliation rewrites these accounts' findings.
        await forgetDigests(opts.accountIds, tx);
        await this.openRun(tx);
        const found = await this.upsertFound(candidates, now, tx);
        return { ...found, resolved: await this.resolveUnseen(now, opts, tx) };
      });
    },

    async byId(id: string, tx: Tx | PrismaClient = client): Promise<Finding | undefined> {
      const rows = await tx.$queryRaw<Db[]>`SELECT * FROM findings WHERE id = ${BigInt(id)}`;
      const row = rows[0];
      return row === undefined ? undefined : toFinding(row);
    },

    /** Findings matching the filter, newest id first, after the `afterId` cursor. */
    async list(filter: FindingFilter, page: { limit: number; afterId?: string }): Promise<Finding[]> {
      const rows = await db.read<Db>(findingsListSql(filter, page));
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
