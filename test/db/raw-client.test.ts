// The raw-SQL client (db/raw-client.ts) the `report` command runs on: the same tagged templates
// give the same rows as Prisma's raw queries, transactions commit or roll back, the audit insert
// runs in one and chains, and a model delegate outside a transaction falls back to Prisma's client.
// A Prisma Database's `sqlOnly()` view (the sync jobs' statements) runs on the same raw client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../src/db/prisma.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import { createAuditRepository } from "../../src/modules/audit/audit.repository.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";

let database: TestDatabase;
let raw: Database;
let prisma: Database;

beforeAll(async () => {
  database = await migratedDatabase();
  raw = createDatabase({ url: database.url, poolSize: 2, client: "raw" });
  prisma = createDatabase({ url: database.url, poolSize: 2 });
});
afterAll(async () => {
  await raw?.close();
  await prisma?.close();
  await database?.drop();
});

describe("raw-SQL client", () => {
  it("gives the rows Prisma's $queryRaw gives: bigint, numeric, dates, timestamps, JSON, arrays, fragments", async () => {
    const at = new Date("2026-03-04T05:06:07.890Z");
    const ids = ["a", "b"];
    const query = (db: Database) =>
      db.client.$queryRaw<Record<string, unknown>[]>`
        SELECT 42::bigint AS big, 1.25::numeric AS num, 2.5::float8 AS dbl, 7::int AS i, ${at}::timestamptz AS ts,
          '2026-03-04 05:06:07.89'::timestamp AS plain_ts, '2026-03-04'::date AS day,
          '{"a":[1,{"b":null}]}'::jsonb AS doc, ${ids}::text[] AS arr, NULL::text AS nothing
          ${Prisma.sql`, ${"x"}::text AS frag`}`;
    const [fromRaw] = await query(raw);
    const [fromPrisma] = await query(prisma);
    expect(fromRaw).toEqual(fromPrisma);
    expect(fromRaw?.big).toBe(42n);
    expect(Number(fromRaw?.num)).toBe(1.25);
    expect(fromRaw?.ts).toEqual(at);
    expect(fromRaw?.day).toEqual(new Date("2026-03-04T00:00:00.000Z"));
    expect(fromRaw?.arr).toEqual(ids);
  });

  it("runs interactive transactions: committed together, or rolled back when the function throws", async () => {
    await raw.client.$executeRaw`CREATE TABLE raw_client_t (v int)`;
    await raw.transaction(async (tx) => {
      expect(await tx.$executeRaw`INSERT INTO raw_client_t VALUES (1), (2)`).toBe(2);
    });
    await expect(
      raw.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO raw_client_t VALUES (3)`;
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    const rows = await raw.client.$queryRaw<{ v: number }[]>`SELECT v FROM raw_client_t ORDER BY v`;
    expect(rows.map((r) => r.v)).toEqual([1, 2]);
    // Statements started together run one after another on the transaction's connection.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const together = await raw.transaction((tx) =>
      Promise.all([1, 2, 3].map((n) => tx.$queryRaw<{ n: number }[]>`SELECT ${n}::int AS n, pg_sleep(0.01)`)),
    );
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    expect(together.map(([r]) => r?.n)).toEqual([1, 2, 3]);
    expect(warnings.filter((m) => m.includes("already executing"))).toEqual([]);
    // A model delegate inside a raw transaction is refused, not run outside it.
    await expect(raw.transaction(async (tx) => tx.account.count())).rejects.toThrow(/raw-SQL transaction/);
  });

  it("writes audit events in its transactions as Prisma's client does, on one hash chain", async () => {
    const actor = { kind: "system" as const, id: "cli:test", name: "cli:test", roles: ["admin" as const], groups: [] };
    const entry = { action: "report.request", targetType: "report", targetId: "r1", after: { format: "csv" } };
    await raw.transaction((tx) => createAuditRepository(raw).insert(actor, "req-1", entry, tx));
    await prisma.transaction((tx) => createAuditRepository(prisma).insert(actor, undefined, entry, tx));
    const rows = await raw.client.$queryRaw<Record<string, unknown>[]>`
      SELECT actor_id, actor_roles, action, target_id, before, after, request_id FROM audit_events ORDER BY id`;
    expect(rows).toEqual([
      {
        actor_id: "cli:test",
        actor_roles: "admin",
        action: "report.request",
        target_id: "r1",
        before: null,
        after: { format: "csv" },
        request_id: "req-1",
      },
      {
        actor_id: "cli:test",
        actor_roles: "admin",
        action: "report.request",
        target_id: "r1",
        before: null,
        after: { format: "csv" },
        request_id: null,
      },
    ]);
    const verified = await createAuditRepository(raw).verifyChain();
    expect(verified.ok).toBe(true);
    expect(verified.checked).toBe(2);
  });

  it("hands a model delegate outside a transaction to Prisma's client, created then", async () => {
    expect(await raw.client.account.count()).toBe(0);
  });

  it("is what a Prisma Database's sqlOnly() view runs on: raw transactions, delegates outside them, one view, closed with its root", async () => {
    const view = prisma.sqlOnly();
    expect(prisma.sqlOnly()).toBe(view);
    expect(raw.sqlOnly()).toBe(raw);
    await view.client.$executeRaw`CREATE TABLE sql_only_t (v int)`;
    await view.transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO sql_only_t VALUES (1)`;
    });
    await expect(
      view.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO sql_only_t VALUES (2)`;
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    // Rows as the root's Prisma client reads them: the view's transactions committed or rolled back.
    expect(await prisma.client.$queryRaw<{ v: number }[]>`SELECT v FROM sql_only_t`).toEqual([{ v: 1 }]);
    // Inside the view's transaction there is no Prisma client (raw SQL only); outside, the root's.
    await expect(view.transaction(async (tx) => tx.account.count())).rejects.toThrow(/raw-SQL transaction/);
    expect(await view.client.account.count()).toBe(0);
    // Closing a view closes nothing: the root and the view keep working until the root closes.
    await view.close();
    expect(await view.client.$queryRaw<{ n: number }[]>`SELECT 1::int AS n`).toEqual([{ n: 1 }]);
    expect(await prisma.client.account.count()).toBe(0);
  });
});
