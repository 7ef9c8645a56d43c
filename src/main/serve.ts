import type { Logger } from "pino";
import { buildApp } from "../app.js";
import type { Config } from "../config.js";
import { followApiKeyRevocations } from "../modules/auth/api-key-revocations.js";
import { startMetricsListener } from "./metrics-listener.js";
import { startJobs, startRuntime } from "./runtime.js";
import { onShutdownSignal } from "./shutdown.js";

/** The API plus an in-process job worker. */
export async function serve(config: Readonly<Config>, log: Logger): Promise<void> {
  const runtime = await startRuntime(config, log, { migrate: true, host: true });
  const app = await buildApp({ config, logger: log, services: runtime.services });

  if (config.bootstrapAdmin === "auto") {
    const created = await runtime.services.apiKeys.bootstrapAdmin();
    if (created) {
      log.info(
        { apiKeyId: created.apiKey.id, keyId: created.apiKey.keyId },
        "bootstrap admin API key created; its secret is printed once on stderr",
      );
      const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
      process.stderr.write(
        `\n  Bootstrap admin API key (shown once; store it, then create named keys and revoke this one):\n\n    ${created.secret}\n\n  Try: curl -H "Authorization: Bearer ${created.secret}" http://${host}:${config.port}/v1/me\n\n`,
      );
    }
  }

  const revocations = followApiKeyRevocations(runtime.database.url, runtime.services.apiKeys, log);
  const jobs = await startJobs(runtime, log);
  const metrics = await startMetricsListener(config.metrics, runtime.services.metrics, log);
  // Stored model counts of accounts whose Regions changed since (e.g. INVENTORY_REGIONS was edited)
  // are recounted in the background; account lists are correct meanwhile, only slower.
  void runtime.services.inventory
    .refreshModelCounts()
    .then((recounted) => log.info({ recounted }, "account model counts up to date"))
    .catch((err: unknown) => log.warn({ err }, "refreshing account model counts failed"));
  const initial = await runtime.services.sync.initialSyncIfNeverRun();
  if (initial) log.info({ runId: initial.id }, "first start: organization sync requested");
  onShutdownSignal(log, config.shutdownTimeoutMs, async () => {
    await app.close(); // stops accepting, lets in-flight requests finish
    await metrics?.close();
    await revocations.close();
    await jobs.stop(Math.max(1000, config.shutdownTimeoutMs - 2000));
    await runtime.close();
  });
  const address = await app.listen({ host: config.host, port: config.port });
  log.info({ address, docs: `${address}/docs` }, "bedrock-governor is serving");
}
