// PostgreSQL's COPY text format and streaming rows into `COPY … FROM STDIN` (pg-copy-streams): how
// bulk writes (invocation events, a reconciliation's verdicts and findings) reach the database
// without a statement parameter per value or a JSON document PostgreSQL has to parse again.
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";

/** A text value escaped for COPY's text format (backslash, tab, newline, carriage return). */
export const copyText = (v: string): string =>
  /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : v;

/** A nullable value: `\N` for null, else escaped text. */
export const copyNullable = (v: string | null): string => (v === null ? "\\N" : copyText(v));

/** One row: tab-separated fields (already escaped), newline-terminated. */
export const copyRow = (fields: readonly string[]): string => `${fields.join("\t")}\n`;

/** `COPY <table> (<columns>) FROM STDIN` on the client: the stream to write, and its end. */
function copyFromStdin(client: pg.PoolClient, table: string, columns: readonly string[]) {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  return { stream, done };
}

/** Streams `lines` into `COPY <table> (<columns>) FROM STDIN` on the client, in ~1 MB writes. */
export async function copyInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  lines: Iterable<string>,
): Promise<void> {
  const { stream, done } = copyFromStdin(client, table, columns);
  let buf = "";
  for (const line of lines) {
    buf += line;
    if (buf.length >= 1 << 20) {
      if (!stream.write(buf)) await new Promise((r) => stream.once("drain", r));
      buf = "";
    }
  }
  stream.end(buf);
  await done;
}

/** Sends `bytes` (whole lines in COPY's text format) into `COPY <table> (<columns>) FROM STDIN` on the client. */
export async function copyBytesInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  bytes: Buffer,
): Promise<void> {
  const { stream, done } = copyFromStdin(client, table, columns);
  stream.end(bytes);
  await done;
}

/**
 * The bytes of a one-column bytea query, in order, streamed by `COPY (…) TO STDOUT (FORMAT binary)`:
 * the values arrive as the socket delivers them, never as text. (A SELECT of a bytea returns it hex
 * encoded, a string twice the value's size, which on large values lands in V8's large-object space
 * and stays there until a full collection.) Yields slices of the values, concatenated in row order.
 */
export async function* copyOutBytes(client: pg.PoolClient, select: string): AsyncGenerator<Buffer> {
  const stream = client.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT binary)`));
  // Fixed-size parts of the format: the header (signature, flags, extension length), a tuple's field
  // count (int16, -1 at the end), a field's length (int32, -1 for NULL); then the value's bytes.
  let state: "header" | "count" | "length" | "value" | "end" = "header";
  let fieldsLeft = 0;
  let valueLeft = 0;
  let rest: Buffer | undefined;
  const need = { header: 19, count: 2, length: 4 } as const;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const data = rest ? Buffer.concat([rest, chunk]) : chunk;
    rest = undefined;
    let off = 0;
    while (off < data.length && state !== "end") {
      if (state === "value") {
        const n = Math.min(valueLeft, data.length - off);
        yield data.subarray(off, off + n);
        off += n;
        valueLeft -= n;
        if (valueLeft === 0) state = --fieldsLeft > 0 ? "length" : "count";
        continue;
      }
      if (data.length - off < need[state]) {
        rest = Buffer.from(data.subarray(off));
        break;
      }
      if (state === "header") {
        off += 19 + data.readInt32BE(off + 15); // extension area (empty in practice)
        state = "count";
      } else if (state === "count") {
        const n = data.readInt16BE(off);
        off += 2;
        if (n === -1) state = "end";
        else if (n > 0) [fieldsLeft, state] = [n, "length"];
      } else {
        const len = data.readInt32BE(off);
        off += 4;
        if (len > 0) [valueLeft, state] = [len, "value"];
        else state = --fieldsLeft > 0 ? "length" : "count";
      }
    }
  }
}
