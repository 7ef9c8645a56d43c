// PostgreSQL's COPY text format and streaming rows into `COPY … FROM STDIN` (pg-copy-streams): how
// bulk writes (invocation events, a reconciliation's verdicts and findings) reach the database
// without a statement parameter per value or a JSON document PostgreSQL has to parse again.
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/** A text value escaped for COPY's text format (backslash, tab, newline, carriage return). */
export const copyText = (v: string): string =>
  /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : v;

/** A nullable value: `\N` for null, else escaped text. */
export const copyNullable = (v: string | null): string => (v === null ? "\\N" : copyText(v));

/** One row: tab-separated fields (already escaped), newline-terminated. */
export const copyRow = (fields: readonly string[]): string => `${fields.join("\t")}\n`;

/** Streams `lines` into `COPY <table> (<columns>) FROM STDIN` on the client, in ~1 MB writes. */
export async function copyInto(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  lines: Iterable<string>,
): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
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
