// writeTogether (db/prisma.ts): data-modifying statements sent as one statement (the sync jobs'
// per account-Region writes), on Prisma's client and on the raw-SQL client alike: all of them
// run, undefined ones are left out, and one that fails takes the others with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database, writeTogether } from "../../src/db/prisma.js";
import { Prisma } from "../../src/generated/prisma/client.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";

let database: TestDatabase;
let prisma: Database;

beforeAll(async () => {
  database = await migratedDatabase();
  prisma = createDatabase({ url: database.url, poolSize: 2 });
  await prisma.client.$executeRaw`CREATE TABLE wt_a (v int PRIMARY KEY)`;
  await prisma.client.$executeRaw`CREATE TABLE wt_b (v int PRIMARY KEY)`;
});
afterAll(async () => {
  await prisma?.close();
  await database?.drop();
});

const rows = async (table: "wt_a" | "wt_b") =>
  (await prisma.client.$queryRawUnsafe<{ v: number }[]>(`SELECT v FROM ${table} ORDER BY v`)).map((r) => r.v);

describe("writeTogether", () => {
  for (const kind of ["prisma", "raw"] as const) {
    it(`runs every statement given, in one transaction, on the ${kind} client`, async () => {
      const db = kind === "raw" ? prisma.sqlOnly() : prisma;
      const base = kind === "raw" ? 100 : 0;
      await db.transaction(async (tx) => {
        await writeTogether(
          [
            Prisma.sql`INSERT INTO wt_a VALUES (${base + 1}), (${base + 2})`,
            undefined,
            Prisma.sql`INSERT INTO wt_b VALUES (${base + 3})`,
            Prisma.sql`DELETE FROM wt_a WHERE v = ${base + 1}`, // sees the snapshot: the row above is not there yet
          ],
          tx,
        );
        await writeTogether([undefined], tx);
        await writeTogether([Prisma.sql`INSERT INTO wt_b VALUES (${base + 4})`], tx);
      });
      expect((await rows("wt_a")).filter((v) => v >= base && v < base + 100)).toEqual([base + 1, base + 2]);
      expect((await rows("wt_b")).filter((v) => v >= base && v < base + 100)).toEqual([base + 3, base + 4]);
    });
  }

  it("writes nothing when one of the statements fails", async () => {
    await expect(
      prisma.sqlOnly().transaction(async (tx) => {
        await writeTogether(
          [Prisma.sql`INSERT INTO wt_a VALUES (500)`, Prisma.sql`INSERT INTO wt_b VALUES (${"not a number"}::int)`],
          tx,
        );
      }),
    ).rejects.toThrow();
    expect(await rows("wt_a")).not.toContain(500);
  });
});
