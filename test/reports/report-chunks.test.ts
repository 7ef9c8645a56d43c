// A report's output stored as chunks and read back: the chunk sink cuts writes of any size into
// chunks of the same bytes, and the binary COPY reader returns them in order, byte for byte, across
// values larger than a socket read and NULL or empty values.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyOutBytes } from "../../src/db/copy.js";
import { chunkSink } from "../../src/modules/reports/reports.jobs.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await migratedDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("report chunks", () => {
  it("the sink stores every byte in order, in chunks of at most 256 KiB", async () => {
    const stored: Buffer[] = [];
    const sink = chunkSink(async (seq, data) => {
      expect(seq).toBe(stored.length);
      stored.push(Buffer.from(data));
    });
    const parts: Buffer[] = [];
    const write = async (v: string | Buffer) => {
      parts.push(typeof v === "string" ? Buffer.from(v, "utf8") : v);
      await sink.write(v);
    };
    for (let i = 0; i < 3000; i++) await write(`line ${i},é,€,${"x".repeat(i % 200)}\r\n`);
    await write(randomBytes(700_000)); // larger than a chunk
    await write("a".repeat(300_000)); // a string larger than a chunk
    await write("");
    await write("end\n");
    await sink.flush();
    expect(Buffer.concat(stored).equals(Buffer.concat(parts))).toBe(true);
    for (const c of stored) expect(c.length).toBeLessThanOrEqual(256 * 1024);
    expect(stored.length).toBeGreaterThan(4);
  });

  it("a binary COPY returns a bytea column's values concatenated, byte for byte", async () => {
    await pool.query("CREATE TABLE copy_test (seq int PRIMARY KEY, data bytea)");
    const values = [
      randomBytes(10),
      randomBytes(300_000),
      Buffer.alloc(0),
      null,
      randomBytes(1_000_001),
      randomBytes(3),
    ];
    for (const [i, v] of values.entries()) await pool.query("INSERT INTO copy_test VALUES ($1, $2)", [i, v]);
    const c = await pool.connect();
    try {
      const got: Buffer[] = [];
      for await (const b of copyOutBytes(c, "SELECT data FROM copy_test ORDER BY seq")) got.push(Buffer.from(b));
      const want = Buffer.concat(values.flatMap((v) => (v === null ? [] : [v])));
      expect(Buffer.concat(got).equals(want)).toBe(true);
      // The connection is usable afterwards.
      expect((await c.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      c.release();
    }
  });
});
