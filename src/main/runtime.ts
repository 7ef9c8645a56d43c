// Starting the pieces every command shares: database (migrated), services, job queue.
import type { Logger } from "pino";
import { createServices, type Services } from "../composition.js";
import type { Config } from "../config.js";
import { applyMigrations, readMigrationScripts } from "../db/migrator.js";
import { createDatabase, type Database } from "../db/prisma.js";
import { type ResolvedDatabase, resolveDatabase } from "./database.js";

export interface Runtime {
  database: ResolvedDatabase;
  db: Database;
  services: Services;
  close(): Promise<void>;
}

export async function startRuntime(
  config: Readonly<Config>,
  log: Logger,
  opts: { migrate: boolean },
): Promise<Runtime> {
  const database = await resolveDatabase(config, log);
  try {
    const migrations = await readMigrationScripts();
    if (opts.migrate) {
      const { applied } = await applyMigrations(database.url, { log, scripts: migrations });
      log.info({ applied: applied.length, total: migrations.length }, "database schema up to date");
    }
    const db = createDatabase({ url: database.url, poolSize: config.databasePoolSize });
    const services = createServices({ config, db, migrations, log });
    return {
      database,
      db,
      services,
      async close() {
        await db.close();
        await database.stop();
      },
    };
  } catch (err) {
    await database.stop();
    throw err;
  }
}
