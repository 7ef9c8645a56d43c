// The separate metrics port (METRICS_PORT): a listener that serves only GET /metrics, in `serve`
// and `worker` processes alike, so the job workers' counters can be scraped too.
import Fastify, { type FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import type { MetricsConfig } from "../config.js";
import type { Metrics } from "../lib/metrics.js";
import errorsPlugin from "../plugins/errors.js";
import { metricsRoutes } from "../routes/metrics/index.js";

export interface MetricsListener {
  address: string;
  close(): Promise<void>;
}

/** Starts the metrics listener when METRICS_ENABLED and METRICS_PORT are set; undefined otherwise. */
export async function startMetricsListener(
  settings: MetricsConfig,
  metrics: Metrics,
  log: Logger,
): Promise<MetricsListener | undefined> {
  if (!settings.enabled || settings.port === undefined) return undefined;
  const app = Fastify({
    loggerInstance: log.child({ component: "metrics" }) as FastifyBaseLogger,
    disableRequestLogging: true,
  });
  await app.register(errorsPlugin);
  await app.register(metricsRoutes, { metrics, settings });
  const address = await app.listen({ host: settings.host, port: settings.port });
  log.info({ address: `${address}/metrics` }, "metrics listener started");
  return { address, close: () => app.close() };
}
