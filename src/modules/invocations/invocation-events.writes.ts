// Writing invocation events (the repository's write side; invocation-events.repository.ts holds
// the reads): monthly partitions ensured once per process and month, rows already stored dropped,
// the rest COPYed straight into the partitions.
import type pg from "pg";
import { copyBytesInto, copyNullable, copyInto as copyRows, copyText } from "../../db/copy.js";
import type { InvocationRow } from "./invocations.types.js";

/** Column order of the COPY text format (and of the staging table). */
export const INVOCATION_COLUMNS = [
  "event_time",
  "event_id",
  "account_id",
  "region",
  "inference_region",
  "event_source",
  "event_name",
  "principal_type",
  "principal_arn",
  "principal_issuer_arn",
  "model_id",
  "profile_id",
  "base_model_id",
  "error_code",
  "error_message",
  "source_ip",
  "user_agent",
  "bearer_token",
] as const;

/** One row in PostgreSQL's COPY text format (tab-separated, `\N` for null, newline-terminated). */
export const copyLine = (r: InvocationRow): string => lineAt(r.eventTime.toISOString(), r);

const lineAt = (iso: string, r: InvocationRow): string =>
  `${iso}\t${copyText(r.eventId)}\t${copyText(r.accountId)}\t${copyText(r.region)}\t${copyText(r.inferenceRegion)}\t${copyText(r.eventSource)}\t${copyText(r.eventName)}\t${copyNullable(r.principalType)}\t${copyNullable(r.principalArn)}\t${copyNullable(r.principalIssuerArn)}\t${copyNullable(r.modelId)}\t${copyNullable(r.profileId)}\t${copyNullable(r.baseModelId)}\t${copyNullable(r.errorCode)}\t${copyNullable(r.errorMessage)}\t${copyNullable(r.sourceIp)}\t${copyNullable(r.userAgent)}\t${r.bearerToken ? "t" : "f"}\n`;

/** Streams `lines` (invocation rows) into `COPY <table> FROM STDIN` on the client. */
export const copyInto = (client: pg.PoolClient, table: string, lines: Iterable<string>): Promise<void> =>
  copyRows(client, table, INVOCATION_COLUMNS, lines);

/** Characters of COPY lines gathered before they are encoded into a batch's bytes. */
const PENDING_CHARS = 16_384;

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
/** The UTC day `isoTime` formatted last, and its `YYYY-MM-DDT`. */
let isoDay = Number.NaN;
let isoDayPrefix = "";

/**
 * `time.toISOString()`, the date part formatted once per UTC day: an ingestion's events come day
 * by day, and `toISOString` was a tenth of the writer's CPU (bench:audit).
 */
export function isoTime(time: Date): string {
  const ms = time.getTime();
  const day = Math.floor(ms / 86_400_000);
  if (day !== isoDay) {
    const full = time.toISOString();
    if (full.length !== 24) return full; // a year outside 0000-9999
    isoDay = day;
    isoDayPrefix = full.slice(0, 11);
  }
  let rest = ms - day * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${isoDayPrefix}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}.${THREE_DIGITS[rest - s * 1000]}Z`;
}

/**
 * Rows on their way to the table, held as the bytes of their COPY lines (outside the V8 heap)
 * plus the few fields a write looks at: the key (time, id), the account and the time range. A
 * row is encoded as it is added and the row object can go; ingestion keeps a batch or three of
 * these, and holding row objects instead (a dozen strings each) had the collector copying them
 * from one young generation to the next and then marking them in the old one (bench:audit).
 */
export class CopyBatch {
  private bytes: Buffer = Buffer.allocUnsafeSlow(1 << 20);
  private used = 0;
  /** Lines not encoded yet, and where each ends (in characters). */
  private pending = "";
  private readonly pendingEnds: number[] = [];
  /** Where each row's line ends in `bytes`. */
  private readonly ends: number[] = [];
  /** Each row's event time (ISO text, as in its line) and event id: the table's key. */
  readonly times: string[] = [];
  readonly ids: string[] = [];
  readonly accounts = new Set<string>();
  /** Event-time range (ms). */
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  static of(rows: Iterable<InvocationRow>): CopyBatch {
    const b = new CopyBatch();
    for (const r of rows) b.add(r);
    return b;
  }

  get size(): number {
    return this.ends.length + this.pendingEnds.length;
  }

  add(r: InvocationRow): void {
    const t = r.eventTime.getTime();
    if (t < this.min) this.min = t;
    if (t > this.max) this.max = t;
    const iso = isoTime(r.eventTime);
    this.pending += lineAt(iso, r);
    this.pendingEnds.push(this.pending.length);
    if (this.pending.length >= PENDING_CHARS) this.encodePending();
    this.times.push(iso);
    this.ids.push(r.eventId);
    this.accounts.add(r.accountId);
  }

  /** Lines are encoded a few kilobytes at a time: one `Buffer.write` per line cost more than the line. */
  private encodePending(): void {
    const text = this.pending;
    if (text.length === 0) return;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.used + text.length * 3 > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.used + text.length * 3));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    const written = this.bytes.write(text, this.used, "utf8");
    if (written === text.length) {
      // ASCII: each line's end in bytes is its end in characters.
      for (const end of this.pendingEnds) this.ends.push(this.used + end);
    } else {
      let at = this.used;
      let from = 0;
      for (const end of this.pendingEnds) {
        at += Buffer.byteLength(text.slice(from, end), "utf8");
        this.ends.push(at);
        from = end;
      }
    }
    this.used += written;
    this.pending = "";
    this.pendingEnds.length = 0;
  }

  /** The COPY bytes of the rows whose index `keep` accepts (every row without it). */
  lines(keep?: (i: number) => boolean): Buffer {
    this.encodePending();
    if (keep === undefined) return this.bytes.subarray(0, this.used);
    const parts: Buffer[] = [];
    let runStart = -1;
    let start = 0;
    for (let i = 0; i < this.ends.length; i++) {
      const end = this.ends[i] as number;
      if (keep(i)) {
        if (runStart < 0) runStart = start;
      } else if (runStart >= 0) {
        parts.push(this.bytes.subarray(runStart, start));
        runStart = -1;
      }
      start = end;
    }
    if (runStart >= 0) parts.push(this.bytes.subarray(runStart, start));
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}

/** A month as a number (UTC year × 12 + month): consecutive months are consecutive numbers. */
const monthOf = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};

export function createInvocationWrites(pool: () => pg.Pool) {
  /** Months whose partition this process has ensured: not asked again. */
  const ensured = new Set<number>();

  /** Ensures the partitions of [min, max] (ms) unless every month of it was ensured before. */
  async function partitionsFor(min: number, max: number): Promise<void> {
    const first = monthOf(min);
    const last = monthOf(max);
    let known = true;
    for (let m = first; m <= last && known; m++) known = ensured.has(m);
    if (known) return;
    await pool().query("SELECT hw_invocation_partitions_ensure($1, $2)", [new Date(min), new Date(max)]);
    for (let m = first; m <= last; m++) ensured.add(m);
  }

  /** Whether any event of these accounts is stored in [min, max] (ms): the (account, time) index. */
  async function anyStored(accounts: string[], min: number, max: number): Promise<boolean> {
    const { rows } = await pool().query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM invocation_events
         WHERE account_id = ANY($1::text[]) AND event_time >= $2 AND event_time <= $3) AS any`,
      [accounts, new Date(min), new Date(max)],
    );
    return rows[0]?.any === true;
  }

  /** Indexes of the batch's rows whose (time, id) is stored already: one probe of the primary key. */
  async function storedOf(batch: CopyBatch): Promise<Set<number>> {
    const { rows } = await pool().query<{ i: string }>(
      `SELECT k.i FROM unnest($1::timestamptz[], $2::text[]) WITH ORDINALITY AS k(t, id, i)
       JOIN invocation_events e ON e.event_time = k.t AND e.event_id = k.id
       WHERE e.event_time >= $3 AND e.event_time <= $4`,
      [batch.times, batch.ids, new Date(batch.min), new Date(batch.max)],
    );
    return new Set(rows.map((r) => Number(r.i) - 1));
  }

  return {
    /** Creates the monthly partitions [from, to] needs; its own transaction, before writing. */
    async ensurePartitions(from: Date, to: Date): Promise<number> {
      const { rows } = await pool().query<{ created: number }>(
        "SELECT hw_invocation_partitions_ensure($1, $2) AS created",
        [from, to],
      );
      return rows[0]?.created ?? 0;
    },

    /**
     * Writes rows not stored yet (an encoded batch, or rows); returns how many were added. Whether
     * any of them can be stored already is asked first of the (account, time) index over the
     * batch's accounts and time range (rows of a new period find nothing there, and skip the
     * per-key probe); if so, the rows already stored are found with one probe of the primary key
     * and dropped. The rest are COPYed straight into the partitions. A concurrent writer can store
     * one of them in between (or the batch repeats a row): the COPY then fails on the key and the
     * batch goes through a staging table and INSERT … ON CONFLICT DO NOTHING instead.
     */
    async write(input: CopyBatch | readonly InvocationRow[]): Promise<number> {
      const batch = input instanceof CopyBatch ? input : CopyBatch.of(input);
      if (batch.size === 0) return 0;
      const { min, max } = batch;
      await partitionsFor(min, max);
      const dropped = (await anyStored([...batch.accounts], min, max)) ? await storedOf(batch) : new Set<number>();
      const count = batch.size - dropped.size;
      if (count === 0) return 0;
      // Built once: the staging path after a lost race sends the same lines.
      const lines = batch.lines(dropped.size === 0 ? undefined : (i) => !dropped.has(i));
      const client = await pool().connect();
      try {
        try {
          // One statement, its own transaction: all of the batch or none of it.
          await copyBytesInto(client, "invocation_events", INVOCATION_COLUMNS, lines);
          return count;
        } catch (err) {
          const code = (err as { code?: string }).code;
          // 23514: no partition for a row (one dropped by retention since it was ensured here).
          if (code === "23514") {
            ensured.clear();
            await partitionsFor(min, max);
          } else if (code !== "23505") throw err;
        }
        await client.query("BEGIN");
        await client.query(
          `CREATE TEMP TABLE IF NOT EXISTS invocation_stage (LIKE invocation_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
        );
        await copyBytesInto(client, "invocation_stage", INVOCATION_COLUMNS, lines);
        const res = await client.query(
          `INSERT INTO invocation_events (${INVOCATION_COLUMNS.join(", ")})
           SELECT ${INVOCATION_COLUMNS.join(", ")} FROM invocation_stage ON CONFLICT DO NOTHING`,
        );
        await client.query("COMMIT");
        return res.rowCount ?? 0;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}
