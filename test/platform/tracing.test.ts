// OpenTelemetry traces, off unless an OTLP endpoint is configured: a local OTLP/HTTP receiver on
// 127.0.0.1 gets a server span per API request (continuing the caller's traceparent, named by the
// route pattern) and, for a sandbox sync, each account-Region job's span with its AWS calls as
// children. The collector's headers are sent and never logged.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }>;
  status?: { code?: number };
}

const COLLECTOR_KEY = "collector-secret-7f3a9c";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
let receiver: Server;
let url: string;
const spans: OtlpSpan[] = [];
const headersSeen: IncomingMessage["headers"][] = [];
let t: TestApp;
let closed = false;

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : String(v.intValue));
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      headersSeen.push(req.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_EXPORTER_OTLP_HEADERS: `x-collector-key=${COLLECTOR_KEY}`,
    OTEL_SERVICE_NAME: "governor-under-test",
  });
}, 60_000);
afterAll(async () => {
  if (!closed) await t?.close();
  await new Promise((r) => receiver?.close(r));
});

describe("OpenTelemetry traces", () => {
  it("is off without an endpoint; the endpoint, headers and ratio are read from the standard variables", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }).tracing).toBe(
      undefined,
    );
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/", OTEL_EXPORTER_OTLP_HEADERS: "a=b%20c" }).tracing,
    ).toEqual({
      endpoint: "http://c:4318/v1/traces",
      headers: { a: "b c" },
      serviceName: "bedrock-governor",
      sampleRatio: 1,
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/x" }).tracing?.endpoint).toBe(
      "http://c:4318/x",
    );
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_TRACES_SAMPLER_ARG: "2" })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG/,
    );
    // A malformed header list is refused without echoing it (it may hold a credential).
    expect(() =>
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_HEADERS: "=secret" }),
    ).toThrow(/OTEL_EXPORTER_OTLP_HEADERS=\(hidden\)/);
  });

  it("exports a server span per request and a sync job's span with its AWS calls as children", async () => {
    const viewer = await t.keyFor("viewer");
    const res = await t.app.inject({
      url: "/v1/sync-runs?limit=5",
      headers: { authorization: viewer, traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
    });
    expect(res.statusCode).toBe(200);
    const run = await t.services.sync.requestSync({ principal: SYSTEM_PRINCIPAL }, { scope: "organization" });
    await waitForSyncRun(t, run.id);
    // Stopping the process flushes what is buffered.
    closed = true;
    await t.close();

    const server = spans.find((s) => s.name === "GET /v1/sync-runs");
    expect(server).toBeDefined();
    expect(server?.traceId).toBe(TRACE_ID);
    expect(server?.parentSpanId).toBe("00f067aa0ba902b7");
    expect(attr(server as OtlpSpan, "http.route")).toBe("/v1/sync-runs");
    expect(attr(server as OtlpSpan, "http.response.status_code")).toBe("200");
    // Never the raw URL with its query string.
    expect(JSON.stringify(spans)).not.toContain("limit=5");

    const jobs = spans.filter((s) => s.name === "job inventory.sync-account-region");
    expect(jobs.length).toBeGreaterThan(0);
    const calls = spans.filter((s) => s.name === "bedrock.ListFoundationModels");
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const job = jobs.find((j) => j.spanId === call.parentSpanId);
      expect(job, `parent of ${call.spanId}`).toBeDefined();
      expect(call.traceId).toBe(job?.traceId);
      expect(attr(call, "rpc.system")).toBe("aws-api");
      expect(attr(call, "cloud.account.id")).toMatch(/^\d{12}$/);
    }
    // The demo's account without a member role: its AssumeRole attempts are failed spans.
    expect(spans.some((s) => s.name === "sts.AssumeRole" && s.status?.code === 2)).toBe(true);

    expect(headersSeen.length).toBeGreaterThan(0);
    for (const h of headersSeen) expect(h["x-collector-key"]).toBe(COLLECTOR_KEY);
    expect(t.logs.lines.join("\n")).not.toContain(COLLECTOR_KEY);
  }, 120_000);
});
