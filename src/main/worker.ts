import type { Logger } from "pino";
import type { Config } from "../config.js";
import { startJobs, startRuntime } from "./runtime.js";
import { onShutdownSignal } from "./shutdown.js";

/** Jobs only: as many of these as wanted, on any machine that reaches the database. */
export async function worker(config: Readonly<Config>, log: Logger): Promise<void> {
  const runtime = await startRuntime(config, log, { migrate: true });
  const jobs = await startJobs(runtime, log);
  onShutdownSignal(log, config.shutdownTimeoutMs, async () => {
    await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 2000));
    await runtime.close();
  });
}
