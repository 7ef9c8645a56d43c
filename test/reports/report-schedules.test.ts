// Report schedules through the API: validated and audited CRUD, and a run that requests a report
// as the schedule's actor, which is then delivered to a webhook receiver on 127.0.0.1 (signed, as
// every webhook) and written to the sandbox's S3 with PutObject through the real AWS SDK.
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { periodEndingBefore } from "../../src/modules/reports/report-schedules.service.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: TestApp;
let admin: string;
let auditor: string;
let webhookId: string;
let secret: string;
const got: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(204).end();
  });
});

const valid = (over: Record<string, unknown> = {}) => ({
  name: `monthly-${Math.random().toString(36).slice(2, 8)}`,
  cron: "0 6 1 * *",
  timezone: "Europe/Paris",
  scope: { kind: "organization" },
  format: "csv",
  period: "previous_month",
  recipients: { webhookIds: [webhookId] },
  ...over,
});

const post = (key: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: "POST", url: "/v1/report-schedules", headers: { authorization: key }, payload });

async function auditRows(action: string, targetId: string) {
  const res = await t.app.inject({
    url: `/v1/audit-events?action=${action}&targetId=${targetId}`,
    headers: { authorization: auditor },
  });
  return (res.json() as { items: Array<Record<string, unknown>> }).items;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    const v = await fn();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  t = await startTestApp({
    // The receiver listens on loopback, which webhooks may reach only when allow-listed.
    WEBHOOK_ALLOWED_DESTINATIONS: "127.0.0.1/32",
    WEBHOOK_RETRY_DELAY_SECONDS: "1",
    REPORT_SCHEDULES_CRON: "off",
  });
  admin = await t.keyFor("admin");
  auditor = await t.keyFor("auditor", "Ada Auditor");
  const hook = await t.app.inject({
    method: "POST",
    url: "/v1/webhooks",
    headers: { authorization: admin },
    payload: {
      name: "compliance inbox",
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/reports`,
      eventTypes: ["access_request.created"],
      format: "json",
      active: true,
    },
  });
  expect(hook.statusCode, hook.body).toBe(201);
  ({ secret } = hook.json() as { secret: string });
  webhookId = (hook.json() as { webhook: { id: string } }).webhook.id;
}, 120_000);

afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("report schedules: validation and audited CRUD", () => {
  it("refuses a bad cron, time zone or bucket with 400 naming the field", async () => {
    for (const [body, field] of [
      [{ cron: "every monday" }, "body.cron"],
      [{ cron: "99 6 * * *" }, "body.cron"],
      [{ timezone: "Mars/Olympus" }, "body.timezone"],
      [{ recipients: { webhookIds: [], s3: { bucket: "Bad_Bucket", prefix: "" } } }, "body.recipients.s3.bucket"],
      [{ recipients: { webhookIds: [] } }, "body.recipients"],
    ] as const) {
      const res = await post(auditor, valid(body));
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect((res.json() as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(field);
    }
    const unknownHook = await post(
      auditor,
      valid({ recipients: { webhookIds: ["00000000-0000-4000-8000-000000000000"] } }),
    );
    expect(unknownHook.statusCode).toBe(422);
    expect(unknownHook.body).toContain("body.recipients.webhookIds[0]");
  });

  it("an auditor creates, lists and deletes a schedule, each change audited; a viewer may not", async () => {
    const created = await post(auditor, valid({ name: "monthly board pack" }));
    expect(created.statusCode, created.body).toBe(201);
    const s = created.json() as { id: string; nextRunAt: string; runsAs: string };
    // 06:00 on the 1st in Paris is 04:00 or 05:00 UTC.
    expect(s.nextRunAt).toMatch(/-01T0[45]:00:00\.000Z$/);
    expect(s.runsAs).toContain("Ada Auditor");
    const again = await post(auditor, valid({ name: "monthly board pack" }));
    expect(again.statusCode).toBe(422);
    const list = await t.app.inject({ url: "/v1/report-schedules", headers: { authorization: auditor } });
    expect((list.json() as { items: Array<{ id: string }> }).items.map((i) => i.id)).toContain(s.id);
    const viewer = await t.keyFor("viewer");
    expect((await post(viewer, valid())).statusCode).toBe(403);
    const del = await t.app.inject({
      method: "DELETE",
      url: `/v1/report-schedules/${s.id}`,
      headers: { authorization: auditor },
    });
    expect(del.statusCode).toBe(204);
    expect(await auditRows("report_schedule.create", s.id)).toHaveLength(1);
    expect(await auditRows("report_schedule.delete", s.id)).toHaveLength(1);
    const gone = await t.app.inject({ url: `/v1/report-schedules/${s.id}`, headers: { authorization: auditor } });
    expect(gone.statusCode).toBe(404);
  });

  it("periods end at the start of the run's day, week or month in the schedule's time zone", () => {
    const at = new Date("2026-03-01T05:00:00Z"); // 06:00 in Paris
    expect(periodEndingBefore("previous_month", "Europe/Paris", at)).toEqual({
      from: new Date("2026-01-31T23:00:00Z"),
      to: new Date("2026-02-28T23:00:00Z"),
    });
    expect(periodEndingBefore("previous_day", "UTC", at)).toEqual({
      from: new Date("2026-02-28T00:00:00Z"),
      to: new Date("2026-03-01T00:00:00Z"),
    });
  });
});

describe("a schedule run", () => {
  it("produces a report as the schedule's actor, audited, delivered to the webhook and to S3", async () => {
    const created = await post(
      auditor,
      valid({
        name: "daily evidence",
        cron: "30 2 * * *",
        timezone: "UTC",
        period: "previous_day",
        format: "json",
        recipients: { webhookIds: [webhookId], s3: { bucket: "governor-reports", prefix: "daily/" } },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const scheduleId = (created.json() as { id: string }).id;
    // Due now: the dispatcher (the cron job's body) starts it and moves it to its next occurrence.
    await t.db.client
      .$executeRaw`UPDATE report_schedules SET next_run_at = now() - interval '1 minute' WHERE id = ${scheduleId}::uuid`;
    expect(await t.services.reportSchedules.runDue()).toBe(1);
    expect(await t.services.reportSchedules.runDue()).toBe(0);
    const runs = await auditRows("report_schedule.run", scheduleId);
    expect(runs).toHaveLength(1);
    const reportId = String((runs[0]?.after as { reportId?: string } | undefined)?.reportId);
    // The report request is audited as the schedule's actor (the auditor who created it).
    const requested = await auditRows("report.request", reportId);
    expect(requested[0]).toMatchObject({ actorName: "Ada Auditor", after: { scheduleId } });
    const report = await until("the report", async () => {
      const r = (await t.app.inject({ url: `/v1/reports/${reportId}`, headers: { authorization: auditor } })).json();
      return (r as { status: string }).status === "ready" ? (r as { sha256: string; scheduleId: string }) : undefined;
    });
    expect(report.scheduleId).toBe(scheduleId);
    const bytes = (await t.app.inject({ url: `/v1/reports/${reportId}/download`, headers: { authorization: auditor } }))
      .rawPayload;

    // The webhook: event report.ready, signed with the webhook's secret.
    const hit = await until("the webhook", async () =>
      got.find((g) => g.headers["x-governor-event"] === "report.ready"),
    );
    const ts = String(hit.headers["x-governor-timestamp"]);
    expect(hit.headers["x-governor-signature"]).toBe(
      `v1=${createHmac("sha256", secret).update(`${ts}.${hit.body}`).digest("hex")}`,
    );
    expect(JSON.parse(hit.body)).toMatchObject({
      type: "report.ready",
      data: { reportId, scheduleId, sha256: report.sha256, downloadUrl: `/v1/reports/${reportId}/download` },
    });

    // S3: the same bytes, read back through the AWS SDK from the sandbox.
    const deliveries = await until("both deliveries audited", async () => {
      const rows = await auditRows("report.deliver", reportId);
      return rows.length >= 2 ? rows : undefined;
    });
    const s3 = deliveries.find((d) => (d.after as { channel: string }).channel === "s3");
    expect(s3).toMatchObject({ actorName: "Ada Auditor", after: { bucket: "governor-reports", outcome: "delivered" } });
    const key = String((s3?.after as { key?: string } | undefined)?.key);
    expect(key).toMatch(new RegExp(`^daily/\\d{4}-\\d{2}-\\d{2}_\\d{4}-\\d{2}-\\d{2}_${reportId}\\.json$`));
    const stored = await t.services.aws.hubS3().getObject("governor-reports", key);
    expect(stored.equals(bytes)).toBe(true);
    expect(deliveries.find((d) => (d.after as { channel: string }).channel === "webhooks")).toMatchObject({
      after: { webhookIds: [webhookId] },
    });
  }, 90_000);
});
