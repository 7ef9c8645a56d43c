import type { Logger } from "pino";

/**
 * Runs `steps` once on SIGTERM/SIGINT, in order. A second signal, or steps running past
 * `timeoutMs`, ends the process at once with a non-zero code.
 */
export function onShutdownSignal(log: Logger, timeoutMs: number, steps: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, timeoutMs }, "shutting down: no new work, finishing what is in flight");
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, "shutdown timed out");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    steps().then(
      () => {
        log.info("shutdown complete");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", handler);
  process.once("SIGINT", handler);
}
