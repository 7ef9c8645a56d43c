// Prometheus metrics of one service instance: a prom-client Registry built in the composition
// root (never the library's global registry), with the recorders the AWS layer, the jobs and the
// HTTP layer call. Recorders only bump in-memory counters; gauges that need the database (queue
// depth, open findings) are read once per scrape through `collectors`, one bounded query each.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the AWS layer reports per call attempt. */
export interface AwsCallMetrics {
  /** One attempt of `service:operation` answered (`ok` or the error name; throttled when a throttle). */
  awsCall(service: string, operation: string, outcome: { error?: string; throttled: boolean }): void;
}

export interface SyncMetrics {
  /** A sync run closed with this status; `gate` for a failed discovery. */
  syncRunFinished(status: string, gate?: string | null): void;
  /** An account-Region job ended: `ok`, `error` or `disabled` (Region not enabled), with its gate. */
  accountRegionJob(outcome: string, gate?: string | null): void;
}

export interface IngestionMetrics {
  /** An account-Region ingestion job ended: `ok`, `error` (recorded), or `retrying`; events read and added. */
  ingestionJob(source: string, outcome: "ok" | "error" | "retrying", counts?: { read: number; added: number }): void;
  /** An ingestion closed with this status (succeeded, partial, failed). */
  ingestionFinished(source: string, status: string): void;
}

export interface WebhookMetrics {
  /** One delivery attempt: succeeded, retrying or failed (retries exhausted or webhook gone). */
  webhookDelivery(outcome: "succeeded" | "retrying" | "failed"): void;
}

export interface HttpMetrics {
  /** One answered request: the route's pattern (not its URL), the method and the status. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
}

export interface QueueStat {
  queue: string;
  /** Jobs waiting to run (created or retry). */
  waiting: number;
  active: number;
  /** Age in seconds of the oldest waiting job; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** Sources read on scrape; each must be one cheap query. */
export interface MetricsCollectors {
  queueStats(): Promise<QueueStat[]>;
  openFindingsByType(): Promise<Array<{ type: string; count: number }>>;
}

export interface Metrics extends AwsCallMetrics, SyncMetrics, IngestionMetrics, WebhookMetrics, HttpMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Adds the scrape-time sources (the composition root, once the database is there). */
  collectFrom(collectors: MetricsCollectors): void;
  /** The exposition text; scrape-time sources that fail or time out are skipped, and counted. */
  render(): Promise<string>;
}

/** A scrape waits at most this long for its database gauges; the rest of the text is served regardless. */
const COLLECT_TIMEOUT_MS = 2_000;

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

export function createMetrics(opts: { prefix?: string } = {}): Metrics {
  const p = opts.prefix ?? "bedrock_governor_";
  const registry = new Registry();
  const httpDuration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: "HTTP request duration by route pattern, method and status class",
    labelNames: ["route", "method", "status_class"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const awsCalls = new Counter({
    name: `${p}aws_calls_total`,
    help: "AWS API call attempts by service, operation and outcome (ok or the error name)",
    labelNames: ["service", "operation", "outcome"],
    registers: [registry],
  });
  const awsThrottles = new Counter({
    name: `${p}aws_throttles_total`,
    help: "AWS API call attempts answered with a throttling error, by service and operation",
    labelNames: ["service", "operation"],
    registers: [registry],
  });
  const syncRuns = new Counter({
    name: `${p}sync_runs_total`,
    help: "Sync runs finished, by status (succeeded, partial, failed) and failure gate",
    labelNames: ["status", "gate"],
    registers: [registry],
  });
  const accountRegionJobs = new Counter({
    name: `${p}sync_account_region_jobs_total`,
    help: "Account-Region sync jobs finished, by outcome (ok, error, disabled) and failure gate",
    labelNames: ["outcome", "gate"],
    registers: [registry],
  });
  const ingestionJobs = new Counter({
    name: `${p}ingestion_jobs_total`,
    help: "Invocation ingestion account-Region jobs finished, by source (lookup, s3) and outcome (ok, error, retrying)",
    labelNames: ["source", "outcome"],
    registers: [registry],
  });
  const ingestions = new Counter({
    name: `${p}ingestions_total`,
    help: "Invocation ingestions finished, by source and status (succeeded, partial, failed)",
    labelNames: ["source", "status"],
    registers: [registry],
  });
  const eventsRead = new Counter({
    name: `${p}invocation_events_read_total`,
    help: "Bedrock invocation events read from CloudTrail, by source",
    labelNames: ["source"],
    registers: [registry],
  });
  const eventsAdded = new Counter({
    name: `${p}invocation_events_added_total`,
    help: "Bedrock invocation events stored (new ones; re-read events are not counted), by source",
    labelNames: ["source"],
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: `${p}webhook_deliveries_total`,
    help: "Webhook delivery attempts by outcome (succeeded, retrying, failed)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const scrapeErrors = new Counter({
    name: `${p}metrics_collect_errors_total`,
    help: "Scrape-time collectors (database gauges) that failed or timed out",
    labelNames: ["collector"],
    registers: [registry],
  });
  const queueWaiting = new Gauge({
    name: `${p}job_queue_waiting`,
    help: "Jobs waiting to run per queue (created or retry)",
    labelNames: ["queue"],
    registers: [registry],
  });
  const queueActive = new Gauge({
    name: `${p}job_queue_active`,
    help: "Jobs running per queue",
    labelNames: ["queue"],
    registers: [registry],
  });
  const queueOldest = new Gauge({
    name: `${p}job_queue_oldest_waiting_seconds`,
    help: "Age of the oldest waiting job per queue, in seconds",
    labelNames: ["queue"],
    registers: [registry],
  });
  const findingsOpen = new Gauge({
    name: `${p}findings_open`,
    help: "Open findings by type",
    labelNames: ["type"],
    registers: [registry],
  });

  let collectors: MetricsCollectors | undefined;

  async function bounded<T>(name: string, read: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), COLLECT_TIMEOUT_MS);
      timer.unref();
    });
    try {
      const value = await Promise.race([read(), timeout]);
      if (value === undefined) scrapeErrors.inc({ collector: name });
      return value;
    } catch {
      scrapeErrors.inc({ collector: name });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async function collect() {
    if (!collectors) return;
    const c = collectors;
    const [queues, findings] = await Promise.all([
      bounded("job_queue", () => c.queueStats()),
      bounded("findings", () => c.openFindingsByType()),
    ]);
    if (queues) {
      // Reset: a queue that drained or was removed must not keep its last value.
      queueWaiting.reset();
      queueActive.reset();
      queueOldest.reset();
      for (const q of queues) {
        queueWaiting.set({ queue: q.queue }, q.waiting);
        queueActive.set({ queue: q.queue }, q.active);
        queueOldest.set({ queue: q.queue }, q.oldestWaitingSeconds);
      }
    }
    if (findings) {
      findingsOpen.reset();
      for (const f of findings) findingsOpen.set({ type: f.type }, f.count);
    }
  }

  // Scrapes arriving together share one collection: the database is read at most once at a time.
  let inFlight: Promise<void> | undefined;

  return {
    registry,
    contentType: registry.contentType,
    collectFrom(c) {
      collectors = c;
    },
    async render() {
      inFlight ??= collect().finally(() => {
        inFlight = undefined;
      });
      await inFlight;
      return registry.metrics();
    },
    httpRequest(route, method, status, seconds) {
      httpDuration.observe({ route, method, status_class: statusClass(status) }, seconds);
    },
    awsCall(service, operation, outcome) {
      awsCalls.inc({ service, operation, outcome: outcome.error ?? "ok" });
      if (outcome.throttled) awsThrottles.inc({ service, operation });
    },
    syncRunFinished(status, gate) {
      syncRuns.inc({ status, gate: gate ?? "" });
    },
    accountRegionJob(outcome, gate) {
      accountRegionJobs.inc({ outcome, gate: gate ?? "" });
    },
    ingestionJob(source, outcome, counts) {
      ingestionJobs.inc({ source, outcome });
      if (counts) {
        eventsRead.inc({ source }, counts.read);
        eventsAdded.inc({ source }, counts.added);
      }
    },
    ingestionFinished(source, status) {
      ingestions.inc({ source, status });
    },
    webhookDelivery(outcome) {
      webhookDeliveries.inc({ outcome });
    },
  };
}
