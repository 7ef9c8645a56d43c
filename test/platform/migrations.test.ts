import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, MigrationError, readMigrationScripts } from "../../src/db/migrator.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { emptyDatabase } from "../helpers/app.js";

const dbs: TestDatabase[] = [];
async function fresh() {
  const db = await emptyDatabase();
  dbs.push(db);
  return db;
}
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

async function rows(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(`SELECT * FROM "_prisma_migrations" ORDER BY started_at`)).rows;
  } finally {
    await c.end();
  }
}

describe("migrations", () => {
  it("apply to an empty database with Prisma's bookkeeping, and a second run does nothing", async () => {
    const db = await fresh();
    const scripts = await readMigrationScripts();
    expect(scripts.length).toBeGreaterThan(0);
    expect((await applyMigrations(db.url)).applied).toEqual(scripts.map((s) => s.name));
    const recorded = await rows(db.url);
    expect(recorded.map((r) => r.migration_name)).toEqual(scripts.map((s) => s.name));
    for (const [i, r] of recorded.entries()) {
      const script = scripts[i];
      expect(r.checksum).toBe(
        createHash("sha256")
          .update(script?.sql ?? "")
          .digest("hex"),
      );
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.applied_steps_count).toBe(1);
      expect(r.rolled_back_at).toBeNull();
    }
    expect((await applyMigrations(db.url)).applied).toEqual([]);
  });

  it("several processes migrating one empty database at once: each migration applied exactly once", async () => {
    const db = await fresh();
    const results = await Promise.all(Array.from({ length: 6 }, () => applyMigrations(db.url)));
    const applied = results.flatMap((r) => r.applied);
    const scripts = await readMigrationScripts();
    expect(applied.sort()).toEqual(scripts.map((s) => s.name).sort());
    expect((await rows(db.url)).length).toBe(scripts.length);
  });

  it("refuse to run over a migration changed after it was applied", async () => {
    const db = await fresh();
    const scripts = await readMigrationScripts();
    await applyMigrations(db.url, { scripts });
    const tampered = scripts.map((s, i) => (i === 0 ? { ...s, checksum: "0".repeat(64) } : s));
    await expect(applyMigrations(db.url, { scripts: tampered })).rejects.toThrow(MigrationError);
    await expect(applyMigrations(db.url, { scripts: tampered })).rejects.toThrow(/changed after it was applied/);
  });

  it("a failing migration leaves nothing behind and names itself", async () => {
    const db = await fresh();
    const scripts = await readMigrationScripts();
    const broken = [
      ...scripts,
      { name: "29990101000000_broken", sql: "CREATE TABLE ok_part (id int); SELECT nope FROM nowhere;", checksum: "x" },
    ];
    await expect(applyMigrations(db.url, { scripts: broken })).rejects.toThrow(/29990101000000_broken failed/);
    const recorded = await rows(db.url);
    expect(recorded.map((r) => r.migration_name)).toEqual(scripts.map((s) => s.name));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const { rows: t } = await c.query(`SELECT to_regclass('ok_part') AS t`);
    await c.end();
    expect(t[0].t).toBeNull();
  });
});
