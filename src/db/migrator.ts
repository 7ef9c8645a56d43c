// Applies prisma/migrations with Prisma's own bookkeeping (`_prisma_migrations`), so the same
// database can later be handled by `prisma migrate deploy|status` where Prisma's native engine
// exists. Runs under Prisma's migration advisory lock: several processes may start at once.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { packageRoot } from "../lib/package-root.js";

/** The advisory lock key Prisma Migrate itself takes, so our runner and Prisma's serialize. */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

export interface MigrationScript {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  /** Present locally, not applied. */
  pending: string[];
  /** Started but never finished (a failed migration blocks all others until resolved). */
  failed: string[];
  /** Applied with a checksum that no longer matches the file. */
  modified: string[];
  /** Applied in the database but missing locally (the database is newer than this build). */
  unknown: string[];
}

export interface MigrationLogger {
  info(obj: object, msg: string): void;
}

export function defaultMigrationsDir(): string {
  return path.join(packageRoot(), "prisma", "migrations");
}

export async function readMigrationScripts(dir = defaultMigrationsDir()): Promise<MigrationScript[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && /^\d{14}_[A-Za-z0-9_]+$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

const CREATE_BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedRows(client: pg.ClientBase): Promise<AppliedRow[] | undefined> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists.rows[0]?.t) return undefined;
  const res = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  return res.rows;
}

export function compareMigrations(scripts: MigrationScript[], rows: AppliedRow[] | undefined): MigrationStatus {
  const live = (rows ?? []).filter((r) => r.rolled_back_at === null);
  const applied = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const local = new Set(scripts.map((s) => s.name));
  return {
    pending: scripts.filter((s) => !applied.has(s.name)).map((s) => s.name),
    failed: live.filter((r) => r.finished_at === null).map((r) => r.migration_name),
    modified: scripts
      .filter((s) => applied.has(s.name) && applied.get(s.name)?.checksum !== s.checksum)
      .map((s) => s.name),
    unknown: [...applied.keys()].filter((n) => !local.has(n)),
  };
}

export async function migrationStatus(client: pg.ClientBase, scripts: MigrationScript[]): Promise<MigrationStatus> {
  return compareMigrations(scripts, await appliedRows(client));
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * Applies every pending migration, each in its own transaction, under the advisory lock.
 * Refuses to run past a failed or modified migration (as `prisma migrate deploy` does).
 */
export async function applyMigrations(
  databaseUrl: string,
  opts: { log?: MigrationLogger; scripts?: MigrationScript[] } = {},
): Promise<{ applied: string[] }> {
  const scripts = opts.scripts ?? (await readMigrationScripts());
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "bedrock-governor-migrate" });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      await client.query(CREATE_BOOKKEEPING);
      const status = await migrationStatus(client, scripts);
      if (status.failed.length > 0) {
        throw new MigrationError(
          `migration ${status.failed[0]} failed earlier and blocks the others; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${status.failed[0]})`,
        );
      }
      if (status.modified.length > 0) {
        throw new MigrationError(`migration ${status.modified[0]} was changed after it was applied`);
      }
      const applied: string[] = [];
      for (const script of scripts.filter((s) => status.pending.includes(s.name))) {
        const id = randomUUID();
        const started = Date.now();
        await client.query("BEGIN");
        try {
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
            [id, script.checksum, script.name],
          );
          await client.query(script.sql);
          await client.query(
            `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
            [id],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw new MigrationError(`migration ${script.name} failed: ${(err as Error).message}`);
        }
        applied.push(script.name);
        opts.log?.info({ migration: script.name, ms: Date.now() - started }, "migration applied");
      }
      return { applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

/** Connects once and reports how the database stands against the local migrations. */
export async function databaseStatus(databaseUrl: string, scripts?: MigrationScript[]): Promise<MigrationStatus> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await migrationStatus(client, scripts ?? (await readMigrationScripts()));
  } finally {
    await client.end();
  }
}
