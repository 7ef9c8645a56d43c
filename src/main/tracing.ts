// OpenTelemetry traces for one process, on only when an OTLP endpoint is configured
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): spans are batched and sent
// over OTLP/HTTP to the collector. The SDK is registered as the process's global tracer provider
// (the OpenTelemetry API is process-wide by design); stopping flushes and unregisters it.
import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-node";
import type { Logger } from "pino";
import type { TracingConfig } from "../config.js";
import { packageVersion } from "../lib/package-root.js";

export interface Tracing {
  /** Sends what is buffered and unregisters the provider. */
  stop(): Promise<void>;
}

export function startTracing(cfg: TracingConfig | undefined, log: Logger): Tracing {
  if (cfg === undefined) return { stop: async () => {} };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": cfg.serviceName, "service.version": packageVersion() }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(cfg.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: cfg.endpoint, headers: cfg.headers }), {
        scheduledDelayMillis: 1_000,
      }),
    ],
  });
  // Registers the provider, the AsyncLocalStorage context manager and W3C trace-context propagation.
  provider.register();
  // The endpoint only: the headers may carry the collector's credentials.
  log.info({ endpoint: cfg.endpoint, sampleRatio: cfg.sampleRatio }, "OpenTelemetry traces exported over OTLP/HTTP");
  return {
    async stop() {
      try {
        await provider.shutdown();
      } catch (err) {
        log.warn({ err }, "OpenTelemetry spans could not be flushed at stop");
      }
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
