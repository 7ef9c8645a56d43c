// schema.prisma and prisma/migrations must describe the same database. Both are materialized in
// real PostgreSQL and their catalogs compared: the migrations as applied by the service, the
// schema as rendered by Prisma's own SQL generator (tools/prisma-diff, offline).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { renderDiff } from "../../tools/prisma-diff/diff.mjs";
import { emptyDatabase, migratedDatabase } from "../helpers/app.js";
import { snapshotSchema, unindexedForeignKeys } from "../helpers/schema-snapshot.js";

const SCHEMA = path.resolve("prisma/schema.prisma");
const dbs: TestDatabase[] = [];
let migrated: TestDatabase;
let work: string;

async function databaseFromSchema(schemaPath: string): Promise<TestDatabase> {
  const db = await emptyDatabase();
  dbs.push(db);
  const sql = renderDiff({ to: schemaPath, databaseUrl: db.url });
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(sql);
  await c.end();
  return db;
}

beforeAll(async () => {
  migrated = await migratedDatabase();
  dbs.push(migrated);
  work = mkdtempSync(path.join(tmpdir(), "schema-drift-"));
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  rmSync(work, { recursive: true, force: true });
});

describe("schema.prisma vs prisma/migrations", () => {
  it("describe the same database", async () => {
    const fromSchema = await databaseFromSchema(SCHEMA);
    const [a, b] = await Promise.all([snapshotSchema(migrated.url), snapshotSchema(fromSchema.url)]);
    expect(Object.keys(a.columns).length).toBeGreaterThan(10);
    expect(a).toEqual(b);
  });

  it("the comparison catches a schema change that has no migration", async () => {
    const changed = path.join(work, "changed.prisma");
    writeFileSync(
      changed,
      readFileSync(SCHEMA, "utf8").replace("  lastUsedAt DateTime?", "  comment    String?\n  lastUsedAt DateTime?"),
    );
    const fromChanged = await databaseFromSchema(changed);
    const [a, b] = await Promise.all([snapshotSchema(migrated.url), snapshotSchema(fromChanged.url)]);
    expect(b.columns["api_keys.comment"]).toBe("text");
    expect(a).not.toEqual(b);
  });

  it("every foreign key has an index", async () => {
    expect(await unindexedForeignKeys(migrated.url)).toEqual([]);
  });

  it("the foreign-key check does find an unindexed foreign key", async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(
      "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE ch (id int PRIMARY KEY, p_id int REFERENCES p(id))",
    );
    await c.end();
    expect(await unindexedForeignKeys(db.url)).toEqual(["ch.ch_p_id_fkey"]);
  });
});
