import type { Logger } from "pino";
import { buildApp } from "../app.js";
import type { Config } from "../config.js";
import { createJobQueue } from "../jobs/queue.js";
import { buildJobRegistry } from "../jobs/registry.js";
import { startRuntime } from "./runtime.js";
import { onShutdownSignal } from "./shutdown.js";

/** The API plus an in-process job worker. */
export async function serve(config: Readonly<Config>, log: Logger): Promise<void> {
  const runtime = await startRuntime(config, log, { migrate: true });
  const jobs = createJobQueue({
    databaseUrl: runtime.database.url,
    log: log.child({ component: "jobs" }),
    concurrency: config.jobConcurrency,
  });
  const app = await buildApp({ config, logger: log, services: runtime.services });

  onShutdownSignal(log, config.shutdownTimeoutMs, async () => {
    await app.close(); // stops accepting, lets in-flight requests finish
    await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 2000));
    await runtime.close();
  });

  if (config.bootstrapAdmin === "auto") {
    const created = await runtime.services.apiKeys.bootstrapAdmin();
    if (created) {
      log.info(
        { apiKeyId: created.apiKey.id, keyId: created.apiKey.keyId },
        "bootstrap admin API key created; its secret is printed once on stderr",
      );
      process.stderr.write(
        `\n  Bootstrap admin API key (shown once; store it, then create named keys and revoke this one):\n\n    ${created.secret}\n\n  Try: curl -H "Authorization: Bearer ${created.secret}" http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${config.port}/v1/me\n\n`,
      );
    }
  }

  const registry = buildJobRegistry(config);
  await jobs.start({ work: true, definitions: registry.definitions, schedules: registry.schedules });
  const address = await app.listen({ host: config.host, port: config.port });
  log.info({ address, docs: `${address}/docs` }, "bedrock-governor is serving");
}
