// Writing invocation events (the repository's write side; invocation-events.repository.ts holds
// the reads): monthly partitions ensured once per process and month, rows already stored dropped,
// the rest COPYed straight into the partitions.
import type pg from "pg";
import { copyNullable, copyInto as copyRows, copyText } from "../../db/copy.js";
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
export function copyLine(r: InvocationRow): string {
  return `${r.eventTime.toISOString()}\t${copyText(r.eventId)}\t${copyText(r.accountId)}\t${copyText(r.region)}\t${copyText(r.inferenceRegion)}\t${copyText(r.eventSource)}\t${copyText(r.eventName)}\t${copyNullable(r.principalType)}\t${copyNullable(r.principalArn)}\t${copyNullable(r.principalIssuerArn)}\t${copyNullable(r.modelId)}\t${copyNullable(r.profileId)}\t${copyNullable(r.baseModelId)}\t${copyNullable(r.errorCode)}\t${copyNullable(r.errorMessage)}\t${copyNullable(r.sourceIp)}\t${copyNullable(r.userAgent)}\t${r.bearerToken ? "t" : "f"}\n`;
}

/** Streams `lines` (invocation rows) into `COPY <table> FROM STDIN` on the client. */
export const copyInto = (client: pg.PoolClient, table: string, lines: Iterable<string>): Promise<void> =>
  copyRows(client, table, INVOCATION_COLUMNS, lines);

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

  /** The rows whose (time, id) is not stored yet: one probe of the primary key. */
  async function notStored(rows: InvocationRow[], min: number, max: number): Promise<InvocationRow[]> {
    const { rows: seen } = await pool().query<{ t: Date; id: string }>(
      `SELECT e.event_time AS t, e.event_id AS id FROM invocation_events e
       JOIN unnest($1::timestamptz[], $2::text[]) AS k(t, id) ON e.event_time = k.t AND e.event_id = k.id
       WHERE e.event_time >= $3 AND e.event_time <= $4`,
      [rows.map((r) => r.eventTime), rows.map((r) => r.eventId), new Date(min), new Date(max)],
    );
    if (seen.length === 0) return rows;
    const stored = new Set(seen.map((r) => `${r.t.getTime()}|${r.id}`));
    return rows.filter((r) => !stored.has(`${r.eventTime.getTime()}|${r.eventId}`));
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
     * Writes rows not stored yet; returns how many were added. Whether any of them can be stored
     * already is asked first of the (account, time) index over the batch's accounts and time range
     * (rows of a new period find nothing there, and skip the per-key probe); if so, the rows
     * already stored are found with one probe of the primary key and dropped. The rest are COPYed
     * straight into the partitions. A concurrent writer can store one of them in between: the COPY
     * then fails on the key and the batch goes through a staging table and INSERT … ON CONFLICT DO
     * NOTHING instead.
     */
    async write(input: readonly InvocationRow[]): Promise<number> {
      const unique = new Map<string, InvocationRow>();
      for (const r of input) unique.set(`${r.eventTime.getTime()}|${r.eventId}`, r);
      if (unique.size === 0) return 0;
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      const accounts = new Set<string>();
      for (const r of unique.values()) {
        const t = r.eventTime.getTime();
        if (t < min) min = t;
        if (t > max) max = t;
        accounts.add(r.accountId);
      }
      await partitionsFor(min, max);
      const rows = [...unique.values()];
      const fresh = (await anyStored([...accounts], min, max)) ? await notStored(rows, min, max) : rows;
      if (fresh.length === 0) return 0;
      // Built once: the staging path after a lost race sends the same lines.
      const lines = fresh.map(copyLine);
      const client = await pool().connect();
      try {
        await client.query("BEGIN");
        try {
          await copyInto(client, "invocation_events", lines);
          await client.query("COMMIT");
          return fresh.length;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
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
        await copyInto(client, "invocation_stage", lines);
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
