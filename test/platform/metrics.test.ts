// GET /metrics: off unless METRICS_ENABLED, guarded by METRICS_TOKEN, and after a sandbox sync it
// carries the sync, AWS-call, queue and HTTP series of this instance's own registry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createMetrics } from "../../src/lib/metrics.js";
import { createLogger } from "../../src/logger.js";
import { startMetricsListener } from "../../src/main/metrics-listener.js";
import { startRuntime } from "../../src/main/runtime.js";
import { migratedDatabase, startTestApp, type TestApp } from "../helpers/app.js";

const TOKEN = "m".repeat(40);
let t: TestApp;
const ctx = { principal: SYSTEM_PRINCIPAL };

async function syncAndWait() {
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  for (let i = 0; i < 600; i++) {
    const now = await t.services.sync.getRun(ctx, run.id);
    if (now.status === "succeeded" || now.status === "partial" || now.status === "failed") return now;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${run.id} did not finish`);
}

/** The value of the sample whose name and labels are given (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

beforeAll(async () => {
  t = await startTestApp({ SYNC_CONCURRENCY: "16", METRICS_ENABLED: "true", METRICS_TOKEN: TOKEN });
});
afterAll(async () => t?.close());

describe("GET /metrics", () => {
  it("refuses a scrape without the metrics token, or with an API key instead", async () => {
    const none = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(none.statusCode).toBe(401);
    expect(none.headers["content-type"]).toContain("application/problem+json");
    const wrong = await t.app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${"x".repeat(40)}` },
    });
    expect(wrong.statusCode).toBe(401);
    const apiKey = await t.app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: await t.keyFor("admin") },
    });
    expect(apiKey.statusCode).toBe(401);
  });

  it("after a sandbox sync, serves the sync, AWS-call, queue and HTTP series", async () => {
    const run = await syncAndWait();
    expect(run.status).toBe("partial");
    const key = await t.keyFor("viewer");
    expect(
      (await t.app.inject({ method: "GET", url: `/v1/sync-runs/${run.id}`, headers: { authorization: key } }))
        .statusCode,
    ).toBe(200);

    const res = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.headers["content-type"]).toContain("version=0.0.4");
    const text = res.body;

    // Sync: the run closed partial (the demo's account without a member role), jobs by outcome and gate.
    expect(sample(text, "bedrock_governor_sync_runs_total", { status: "partial", gate: "" })).toBe(1);
    expect(
      sample(text, "bedrock_governor_sync_account_region_jobs_total", { outcome: "ok", gate: "" }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "bedrock_governor_sync_account_region_jobs_total", { outcome: "error", gate: "credentials" }),
    ).toBeGreaterThan(0);
    // AWS calls by service and operation, failures by their error name.
    expect(
      sample(text, "bedrock_governor_aws_calls_total", {
        service: "organizations",
        operation: "DescribeOrganization",
        outcome: "ok",
      }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "bedrock_governor_aws_calls_total", {
        service: "bedrock",
        operation: "ListFoundationModels",
        outcome: "ok",
      }),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      /^bedrock_governor_aws_calls_total\{service="sts",operation="AssumeRole",outcome="AccessDenied/m,
    );
    expect(text).toContain("# TYPE bedrock_governor_aws_throttles_total counter");
    // Queue depth and age for every queue, drained after the run.
    expect(sample(text, "bedrock_governor_job_queue_waiting", { queue: "inventory.sync-account-region" })).toBe(0);
    expect(sample(text, "bedrock_governor_job_queue_oldest_waiting_seconds", { queue: "inventory.discover" })).toBe(0);
    expect(sample(text, "bedrock_governor_job_queue_active", { queue: "webhooks.deliver" })).toBe(0);
    // HTTP latency by route pattern, never by concrete URL.
    expect(
      sample(text, "bedrock_governor_http_request_duration_seconds_count", {
        route: "/v1/sync-runs/:runId",
        method: "GET",
        status_class: "2xx",
      }),
    ).toBe(1);
    expect(text).not.toContain(run.id);
    expect(text).toContain("# TYPE bedrock_governor_findings_open gauge");
    expect(sample(text, "bedrock_governor_metrics_collect_errors_total", { collector: "job_queue" })).toBeUndefined();
  });

  it("after an invocation ingestion, serves its jobs by outcome, its events and how it closed", async () => {
    const started = await t.services.invocations.requestIngestion(ctx, "lookup", {});
    let done = started;
    for (let i = 0; i < 600 && (done.status === "queued" || done.status === "running"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await t.services.invocations.getIngestion(ctx, started.id);
    }
    const res = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
    const text = res.body;
    expect(sample(text, "bedrock_governor_ingestions_total", { source: "lookup", status: done.status })).toBe(1);
    expect(sample(text, "bedrock_governor_ingestion_jobs_total", { source: "lookup", outcome: "ok" })).toBe(
      done.jobsDone,
    );
    // The demo's account without a member role: refused at once (permanent), counted as an error.
    expect(sample(text, "bedrock_governor_ingestion_jobs_total", { source: "lookup", outcome: "error" })).toBe(
      done.jobsFailed,
    );
    expect(done.jobsFailed).toBeGreaterThan(0);
    expect(sample(text, "bedrock_governor_invocation_events_read_total", { source: "lookup" })).toBe(done.eventsRead);
    expect(sample(text, "bedrock_governor_invocation_events_added_total", { source: "lookup" })).toBe(done.eventsAdded);
  }, 120_000);
});

describe("queue gauges with no worker", () => {
  it("a sync queued while no worker runs shows as waiting, with the age of the oldest job", async () => {
    const database = await migratedDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: "2",
      SYNC_CRON: "off",
      INVOCATIONS_INGEST_CRON: "off",
      METRICS_ENABLED: "true",
      METRICS_TOKEN: TOKEN,
    });
    const log = createLogger("silent");
    const runtime = await startRuntime(config, log, { migrate: false, host: true });
    // The queue only sends (as a CLI without --wait): nothing here works the jobs.
    await runtime.queue.start({ work: false, jobs: runtime.services.jobs });
    const app = await buildApp({ config, logger: log, services: runtime.services });
    try {
      await app.ready();
      const run = await runtime.services.sync.requestSync(ctx, { scope: "organization" });
      await new Promise((r) => setTimeout(r, 1_100));
      const res = await app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(200);
      const waiting = [...res.body.matchAll(/^bedrock_governor_job_queue_waiting\{queue="([^"]+)"\} (\S+)$/gm)]
        .map((m) => ({ queue: m[1] as string, n: Number(m[2]) }))
        .filter((q) => q.n > 0);
      expect(waiting.length, res.body).toBeGreaterThan(0);
      for (const { queue } of waiting)
        expect(sample(res.body, "bedrock_governor_job_queue_oldest_waiting_seconds", { queue })).toBeGreaterThan(1);
      expect((await runtime.services.sync.getRun(ctx, run.id)).status).toBe("queued");
    } finally {
      await app.close();
      await runtime.queue.stop(5_000);
      await runtime.close();
      await database.drop();
    }
  }, 60_000);
});

describe("metrics settings and registry", () => {
  it("is off by default; a short token is refused at start", () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: undefined, port: undefined, host: "127.0.0.1" });
    expect(loadConfig({ HOST: "0.0.0.0", METRICS_PORT: "9464" }).metrics).toMatchObject({
      port: 9464,
      host: "0.0.0.0",
    });
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
  });

  it("keeps one registry per instance, and counts throttles apart", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.awsCall("bedrock", "ListFoundationModels", { error: "ThrottlingException", throttled: true });
    const textA = await a.render();
    expect(
      sample(textA, "bedrock_governor_aws_throttles_total", { service: "bedrock", operation: "ListFoundationModels" }),
    ).toBe(1);
    expect(await b.render()).not.toContain('operation="ListFoundationModels"');
  });

  it("serves the in-memory series when a database gauge fails, and counts the failure", async () => {
    const m = createMetrics();
    m.collectFrom({
      queueStats: async () => {
        throw new Error("database down");
      },
      openFindingsByType: async () => [{ type: "DRIFT", count: 3 }],
    });
    m.httpRequest("/healthz", "GET", 200, 0.001);
    const text = await m.render();
    expect(sample(text, "bedrock_governor_metrics_collect_errors_total", { collector: "job_queue" })).toBe(1);
    expect(sample(text, "bedrock_governor_findings_open", { type: "DRIFT" })).toBe(3);
    expect(sample(text, "bedrock_governor_http_request_duration_seconds_count", { route: "/healthz" })).toBe(1);
  });
});

describe("the separate metrics port (METRICS_PORT)", () => {
  it("serves only /metrics, with the same token rule; nothing when metrics are off", async () => {
    const metrics = createMetrics();
    metrics.syncRunFinished("succeeded");
    const settings = { enabled: true, token: TOKEN, port: 0, host: "127.0.0.1" };
    const log = createLogger("silent");
    expect(await startMetricsListener({ ...settings, enabled: false }, metrics, log)).toBeUndefined();
    const listener = await startMetricsListener(settings, metrics, log);
    if (!listener) throw new Error("no listener");
    try {
      expect((await fetch(`${listener.address}/metrics`)).status).toBe(401);
      const ok = await fetch(`${listener.address}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(sample(await ok.text(), "bedrock_governor_sync_runs_total", { status: "succeeded" })).toBe(1);
      expect((await fetch(`${listener.address}/v1/me`)).status).toBe(404);
    } finally {
      await listener.close();
    }
  });

  it("takes /metrics off the API port", async () => {
    const config = { ...t.config, metrics: { ...t.config.metrics, port: 9464 } };
    const app = await buildApp({ config, logger: t.log, services: t.services });
    try {
      const res = await app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
