// Builds the real app (real services, real PostgreSQL) on a fresh database for one test file.
import { Writable } from "node:stream";
import type { Logger } from "pino";
import { inject } from "vitest";
import { type App, buildApp } from "../../src/app.js";
import { createServices, type Services } from "../../src/composition.js";
import { type Config, loadConfig } from "../../src/config.js";
import { readMigrationScripts } from "../../src/db/migrator.js";
import { createDatabase as createPrisma, type Database } from "../../src/db/prisma.js";
import { packageVersion } from "../../src/lib/package-root.js";
import { createLogger } from "../../src/logger.js";
import { resolveAws } from "../../src/main/aws.js";
import type { Role } from "../../src/modules/auth/auth.types.js";
import { createDatabase, type TestDatabase } from "./databases.js";

/** Collects log lines in memory, for assertions on what was logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    cb();
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestApp {
  app: App;
  services: Services;
  db: Database;
  database: TestDatabase;
  config: Readonly<Config>;
  logs: LogCapture;
  log: Logger;
  /** Creates an API key with the role and returns its bearer header value. */
  keyFor(role: Role, name?: string): Promise<string>;
  close(): Promise<void>;
}

export async function migratedDatabase(): Promise<TestDatabase> {
  return createDatabase(inject("pgAdminUrl"), `${inject("pgRunPrefix")}_t`, inject("pgTemplate"));
}

export async function emptyDatabase(): Promise<TestDatabase> {
  return createDatabase(inject("pgAdminUrl"), `${inject("pgRunPrefix")}_e`);
}

export async function startTestApp(env: Record<string, string> = {}, database?: TestDatabase): Promise<TestApp> {
  const db0 = database ?? (await migratedDatabase());
  const config = loadConfig({ DATABASE_URL: db0.url, LOG_LEVEL: "info", DATABASE_POOL_SIZE: "4", ...env });
  const logs = new LogCapture();
  const log = createLogger(config.logLevel, logs);
  const db = createPrisma({ url: db0.url, poolSize: config.databasePoolSize });
  const aws = await resolveAws(config, log);
  const environment = { version: packageVersion(), database: { embedded: false }, aws: aws.environment };
  const services = createServices({
    config,
    db,
    migrations: await readMigrationScripts(),
    log,
    aws: aws.access,
    environment,
  });
  const app = await buildApp({ config, logger: log, services });
  await app.ready();
  let n = 0;
  return {
    app,
    services,
    db,
    database: db0,
    config,
    logs,
    log,
    async keyFor(role, name) {
      const created = await services.apiKeys.createAsSystem({ name: name ?? `${role}-${++n}`, role });
      return `Bearer ${created.secret}`;
    },
    async close() {
      await app.close();
      await db.close();
      await aws.close();
      await db0.drop();
    },
  };
}
