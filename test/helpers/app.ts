// Builds the real app (real services, real PostgreSQL) on a fresh database for one test file.
import { Writable } from "node:stream";
import type { Logger } from "pino";
import { inject } from "vitest";
import { type App, buildApp } from "../../src/app.js";
import type { Services } from "../../src/composition.js";
import { type Config, loadConfig } from "../../src/config.js";
import type { Listener } from "../../src/db/notifications.js";
import type { Database } from "../../src/db/prisma.js";
import type { Role } from "../../src/kernel/principal.js";
import { createLogger } from "../../src/logger.js";
import { startJobs, startRuntime } from "../../src/main/runtime.js";
import { followApiKeyRevocations } from "../../src/modules/auth/api-key-revocations.js";
import { createDatabase, type TestDatabase } from "../../support/postgres/databases.js";

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
  /** The follower of API key revocations (verified keys are cached while it is connected). */
  revocations: Listener;
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
  const config = loadConfig({
    DATABASE_URL: db0.url,
    LOG_LEVEL: "info",
    DATABASE_POOL_SIZE: "4",
    SYNC_CRON: "off",
    INVOCATIONS_INGEST_CRON: "off",
    JOB_MAINTENANCE_INTERVAL_SECONDS: "2",
    ...env,
  });
  const logs = new LogCapture();
  const log = createLogger(config.logLevel, logs);
  // The same wiring as `serve`, minus listening: real services, real job worker, in-process sandbox.
  const runtime = await startRuntime(config, log, { migrate: false, host: true });
  const app = await buildApp({ config, logger: log, services: runtime.services });
  await app.ready();
  // As `serve` does: verified API keys are cached while revocations are followed.
  const revocations = followApiKeyRevocations(runtime.database.url, runtime.services.apiKeys, log);
  await startJobs(runtime, log);
  let n = 0;
  return {
    app,
    services: runtime.services,
    db: runtime.db,
    database: db0,
    config,
    logs,
    log,
    revocations,
    async keyFor(role, name) {
      const created = await runtime.services.apiKeys.createAsSystem({ name: name ?? `${role}-${++n}`, role });
      return `Bearer ${created.secret}`;
    },
    async close() {
      await app.close();
      await revocations.close();
      await runtime.queue.stop(5_000);
      await runtime.close();
      await db0.drop();
    },
  };
}
