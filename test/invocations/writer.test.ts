// The events writer on real PostgreSQL: partitions created on demand, rows already stored dropped,
// and concurrent writers of the same new rows (the COPY of one fails on the key) adding each once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../src/db/prisma.js";
import { createInvocationEventsRepository } from "../../src/modules/invocations/invocation-events.repository.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { invocationRow } from "./helpers.js";

let database: TestDatabase;
let db: Database;

const row = (i: number, month: number) =>
  invocationRow(i, {
    eventTime: new Date(Date.UTC(2026, month, 1 + (i % 27), 12, 0, i % 60)),
    eventId: `evt-${month}-${i}`,
    principalArn: "arn:aws:sts::111111111111:assumed-role/App/s",
    principalIssuerArn: "arn:aws:iam::111111111111:role/App",
    modelId: "amazon.nova-pro-v1:0",
    baseModelId: "amazon.nova-pro-v1:0",
    // Tabs, newlines and backslashes survive the COPY text format.
    errorMessage: i % 2 === 0 ? null : "line 1\n\tline 2 \\ end",
    sourceIp: "10.0.0.1",
    userAgent: "sdk",
  });

beforeAll(async () => {
  database = await migratedDatabase();
  db = createDatabase({ url: database.url, poolSize: 2 });
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe("invocation events writer", () => {
  it("creates the months it needs, drops stored rows, and keeps text intact", async () => {
    const events = createInvocationEventsRepository(db);
    const first = Array.from({ length: 300 }, (_, i) => row(i, i % 3));
    expect(await events.write(first)).toBe(300);
    expect(await events.write([...first.slice(0, 100), ...first.slice(0, 100)])).toBe(0);
    const { rows } = await db.pgPool().query<{ n: string; parts: string; msg: string }>(
      `SELECT (SELECT count(*) FROM invocation_events) AS n,
                (SELECT count(*) FROM pg_inherits WHERE inhparent = 'invocation_events'::regclass) AS parts,
                (SELECT error_message FROM invocation_events WHERE event_id = 'evt-1-1') AS msg`,
    );
    expect(rows[0]).toEqual({ n: "300", parts: "3", msg: "line 1\n\tline 2 \\ end" });
  });

  it("a batch of stored and new rows adds the new ones whole, wherever they lie in the batch", async () => {
    const events = createInvocationEventsRepository(db);
    // Some lines are not ASCII: their bytes and characters differ in length.
    const uaOf = (i: number) => (i % 5 === 1 ? "sdk ✓ é 🙂" : "sdk");
    const all = Array.from({ length: 100 }, (_, i) => ({ ...row(i, 9), userAgent: uaOf(i) }));
    // Stored: every third row and a run of ten; the rest come between, before and after them.
    const stored = all.filter((_, i) => i % 3 === 0 || (i >= 40 && i < 50));
    expect(await events.write(stored)).toBe(stored.length);
    expect(await events.write(all)).toBe(100 - stored.length);
    const { rows } = await db.pgPool().query<{ id: string; msg: string | null; ua: string }>(
      `SELECT event_id AS id, error_message AS msg, user_agent AS ua FROM invocation_events
       WHERE event_id LIKE 'evt-9-%' ORDER BY event_time, event_id`,
    );
    expect(rows.map((r) => r.id).sort()).toEqual(all.map((r) => r.eventId).sort());
    const byId = new Map(all.map((r, i) => [r.eventId, uaOf(i)]));
    expect(rows.every((r) => r.ua === byId.get(r.id) && (r.msg === null || r.msg === "line 1\n\tline 2 \\ end"))).toBe(
      true,
    );
  });

  it("a new batch holding the same event twice stores it once, also when another time of its id lies between", async () => {
    const events = createInvocationEventsRepository(db);
    const a = row(1, 7);
    const b = row(2, 7);
    expect(await events.write([a, b, a, a])).toBe(2);
    // Same id at another time in between: the repeat is left to the key, the batch is staged.
    const c = row(3, 8);
    const cLater = { ...c, eventTime: new Date(c.eventTime.getTime() + 1000) };
    expect(await events.write([c, cLater, c])).toBe(2);
    const { rows } = await db
      .pgPool()
      .query<{ n: string }>(
        `SELECT count(*) AS n FROM invocation_events WHERE event_id IN ('evt-7-1', 'evt-7-2', 'evt-8-3')`,
      );
    expect(rows[0]?.n).toBe("4");
  });

  it("concurrent writers of the same new rows add each row once", async () => {
    const events = createInvocationEventsRepository(db);
    const batch = Array.from({ length: 2000 }, (_, i) => row(i, 5));
    const added = await Promise.all([events.write(batch), events.write(batch), events.write(batch.slice(500))]);
    expect(added.reduce((a, b) => a + b, 0)).toBe(2000);
    const { rows } = await db
      .pgPool()
      .query<{ n: string }>(`SELECT count(*) AS n FROM invocation_events WHERE event_id LIKE 'evt-5-%'`);
    expect(rows[0]?.n).toBe("2000");
  });
});
