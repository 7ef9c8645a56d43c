// Starting the pieces every command shares: database (migrated), services, job queue.
import type { Logger } from "pino";
import { createServices, type Services } from "../composition.js";
import type { Config } from "../config.js";
import { applyMigrations, readMigrationScripts } from "../db/migrator.js";
import { createDatabase, type Database } from "../db/prisma.js";
import { createJobQueue, type JobQueue } from "../jobs/queue.js";
import { createMetrics } from "../lib/metrics.js";
import { packageVersion } from "../lib/package-root.js";
import { type ResolvedAws, resolveAws } from "./aws.js";
import { type ResolvedDatabase, resolveDatabase } from "./database.js";
import { startTracing } from "./tracing.js";

export interface Runtime {
  database: ResolvedDatabase;
  aws: ResolvedAws;
  db: Database;
  queue: JobQueue;
  services: Services;
  close(): Promise<void>;
}

export async function startRuntime(
  config: Readonly<Config>,
  log: Logger,
  /** `host`: a long-lived process (`serve`, `worker`), see shared-sandbox.ts. */
  opts: { migrate: boolean; host?: boolean },
): Promise<Runtime> {
  const database = await resolveDatabase(config, log);
  try {
    const migrations = await readMigrationScripts();
    if (opts.migrate) {
      const { applied } = await applyMigrations(database.url, { log, scripts: migrations });
      log.info({ applied: applied.length, total: migrations.length }, "database schema up to date");
    }
    // One registry per process: every module's recorders and the scrape route share it.
    const metrics = createMetrics();
    const tracing = startTracing(config.tracing, log);
    const aws = await resolveAws(
      config,
      log,
      database.embedded ? undefined : database.url,
      { host: opts.host ?? false },
      metrics,
    );
    const db = createDatabase({ url: database.url, poolSize: config.databasePoolSize });
    const environment = { version: packageVersion(), database: { embedded: database.embedded }, aws: aws.environment };
    const queue = createJobQueue({
      databaseUrl: database.url,
      log: log.child({ component: "jobs" }),
      concurrency: config.jobConcurrency,
      maintenanceIntervalSeconds: config.jobMaintenanceIntervalSeconds,
    });
    const services = createServices({
      config,
      db,
      migrations,
      log,
      aws: aws.access,
      environment,
      queue,
      metrics,
      ...(aws.environment.sandboxRegions ? { fallbackRegions: aws.environment.sandboxRegions } : {}),
    });
    return {
      database,
      aws,
      db,
      queue,
      services,
      async close() {
        await db.close();
        await aws.close();
        await tracing.stop();
        await database.stop();
      },
    };
  } catch (err) {
    await database.stop();
    throw err;
  }
}

/** Starts the job queue in this process, consuming every registered queue. */
export async function startJobs(runtime: Runtime, log: Logger): Promise<JobQueue> {
  const { jobs } = runtime.services;
  await runtime.queue.start({ work: true, jobs });
  log.info(
    {
      queues: jobs.flatMap((set) => set.workers.map((w) => w.job.name)),
      schedules: jobs.flatMap((set) => set.schedules.map((s) => ({ name: s.job.name, cron: s.cron }))),
    },
    "job worker started",
  );
  return runtime.queue;
}
