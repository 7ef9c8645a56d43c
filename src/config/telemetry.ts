// Telemetry settings: Prometheus metrics (METRICS_*) and OpenTelemetry traces (the standard OTEL_*
// exporter variables, read here so config stays the only reader of process.env).
import { bool, ConfigError, type Env, int, str, url } from "./parse.js";

export interface MetricsConfig {
  /** Off: `/metrics` answers 404. */
  enabled: boolean;
  /** Bearer token a scrape must present; undefined: `/metrics` is open to whoever reaches the port. */
  token: string | undefined;
  /**
   * A listener of its own for `/metrics` (serve and worker processes), on `host`; undefined:
   * `/metrics` is served on the API port, and worker processes serve none.
   */
  port: number | undefined;
  host: string;
}

/** OTLP/HTTP trace export; off (undefined) unless an endpoint is configured. */
export interface TracingConfig {
  /** The traces URL (…/v1/traces). */
  endpoint: string;
  /** Sent with every export (an API key of the collector): never logged. */
  headers: Record<string, string>;
  serviceName: string;
  /** Share of new traces kept (a parent's decision is followed). */
  sampleRatio: number;
}

export function metricsConfig(env: Env, apiHost: string): MetricsConfig {
  const token = str(env, "METRICS_TOKEN");
  if (token !== undefined && !/^[\x21-\x7e]{32,512}$/.test(token))
    throw new ConfigError("METRICS_TOKEN", "32 to 512 printable characters (e.g. openssl rand -hex 32)", "", true);
  return {
    enabled: bool(env, "METRICS_ENABLED", false),
    token,
    port: str(env, "METRICS_PORT") === undefined ? undefined : int(env, "METRICS_PORT", 0, 0, 65535),
    host: str(env, "METRICS_HOST") ?? apiHost,
  };
}

/** `key=value,key=value`, values percent-decoded (the OpenTelemetry specification's format). */
function otlpHeaders(env: Env, name: string): Record<string, string> {
  const raw = str(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const pair of raw.split(",")) {
    const i = pair.indexOf("=");
    const key = pair.slice(0, i).trim();
    if (i <= 0 || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key))
      throw new ConfigError(name, "comma-separated key=value pairs", "", true);
    try {
      out[key] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch {
      throw new ConfigError(name, "comma-separated key=value pairs (values percent-encoded)", "", true);
    }
  }
  return out;
}

export function tracingConfig(env: Env): TracingConfig | undefined {
  const traces = url(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ["http:", "https:"]);
  const base = url(env, "OTEL_EXPORTER_OTLP_ENDPOINT", ["http:", "https:"]);
  const disabled = str(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true";
  if (disabled || (traces === undefined && base === undefined)) return undefined;
  const ratio = str(env, "OTEL_TRACES_SAMPLER_ARG");
  const sampleRatio = ratio === undefined ? 1 : Number(ratio);
  if (!Number.isFinite(sampleRatio) || sampleRatio < 0 || sampleRatio > 1)
    throw new ConfigError("OTEL_TRACES_SAMPLER_ARG", "a ratio between 0 and 1", ratio);
  return {
    // As the specification says: the signal-specific URL is used as is, the base gets /v1/traces.
    endpoint: traces ?? `${(base as string).replace(/\/+$/, "")}/v1/traces`,
    headers: {
      ...otlpHeaders(env, "OTEL_EXPORTER_OTLP_HEADERS"),
      ...otlpHeaders(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
    },
    serviceName: str(env, "OTEL_SERVICE_NAME") ?? "bedrock-governor",
    sampleRatio,
  };
}
