import type { Logger } from "pino";
import type { Config } from "../config.js";
import { startMetricsListener } from "./metrics-listener.js";
import { startJobs, startRuntime } from "./runtime.js";
import { onShutdownSignal } from "./shutdown.js";

/** Jobs only: as many of these as wanted, on any machine that reaches the database. */
export async function worker(config: Readonly<Config>, log: Logger): Promise<void> {
  const runtime = await startRuntime(config, log, { migrate: true, host: true });
  const jobs = await startJobs(runtime, log);
  const metrics = await startMetricsListener(config.metrics, runtime.services.metrics, log);
  onShutdownSignal(log, config.shutdownTimeoutMs, async () => {
    await metrics?.close();
    await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 2000));
    await runtime.close();
  });
}
