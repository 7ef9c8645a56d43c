import type { Logger } from "pino";
import type { Config } from "../config.js";
import { createJobQueue } from "../jobs/queue.js";
import { buildJobRegistry } from "../jobs/registry.js";
import { startRuntime } from "./runtime.js";
import { onShutdownSignal } from "./shutdown.js";

/** Jobs only: as many of these as wanted, on any machine that reaches the database. */
export async function worker(config: Readonly<Config>, log: Logger): Promise<void> {
  const runtime = await startRuntime(config, log, { migrate: true });
  const jobs = createJobQueue({
    databaseUrl: runtime.database.url,
    log: log.child({ component: "jobs" }),
    concurrency: config.jobConcurrency,
  });
  onShutdownSignal(log, config.shutdownTimeoutMs, async () => {
    await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 2000));
    await runtime.close();
  });
  const registry = buildJobRegistry(config);
  await jobs.start({ work: true, definitions: registry.definitions, schedules: registry.schedules });
  log.info({ queues: registry.definitions.map((d) => d.name) }, "worker started");
}
