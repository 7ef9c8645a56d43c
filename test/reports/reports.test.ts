// Compliance reports through the API: requested, rendered by the job with progress, downloaded.
// Data comes through the real paths: CloudTrail records normalized and written by the ingestion
// writer, the unapproved-invocation analysis, reconciliation's findings repository, and access
// decisions in the service's audit log as the access-request workflow records them.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { extractText } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { packageRoot } from "../../src/lib/package-root.js";
import { createInvocationEventsRepository } from "../../src/modules/invocations/invocation-events.repository.js";
import { normalizeRecord } from "../../src/modules/invocations/normalize.js";
import { createFindingsRepository } from "../../src/modules/reconcile/findings.repository.js";
import { CONTROL_MAPPING_FILE } from "../../src/modules/reports/evidence-sources.js";
import { createReportsRepository } from "../../src/modules/reports/reports.repository.js";
import { buildTrailEvent } from "../../src/sandbox/trail.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { requestReport } from "../helpers/reports.js";
import { unzip } from "../helpers/zip.js";

const ctx = { principal: SYSTEM_PRINCIPAL, requestId: "test" };
const A = "210987654321";
const B = "123456789012";
const FROM = new Date("2026-10-01T00:00:00.000Z");
const TO = new Date("2026-11-01T00:00:00.000Z");

let t: TestApp;
let auditor: string;
let eventCount = 0;

function record(i: number, account: string, modelId: string, at: Date, extra: { errorCode?: string } = {}) {
  return buildTrailEvent({
    eventTime: at,
    account,
    region: i % 2 === 0 ? "us-east-1" : "us-west-2",
    modelId,
    identity: { arn: `arn:aws:iam::${account}:role/App${i % 3}`, accessKeyId: `ASIAEXAMPLE${i}` },
    requestId: `req-${i}`,
    eventId: `00000000-0000-4000-a000-${String(i).padStart(12, "0")}`,
    ...extra,
  }).record;
}

async function report(
  body: Record<string, unknown>,
): Promise<{ meta: Record<string, unknown>; data: Buffer; type: string }> {
  const { meta, data, type } = await requestReport(t, auditor, {
    from: FROM.toISOString(),
    to: TO.toISOString(),
    scope: { kind: "organization" },
    ...body,
  });
  expect(meta).toMatchObject({ status: "ready", progress: 100 });
  return { meta, data, type };
}

beforeAll(async () => {
  t = await startTestApp();
  auditor = await t.keyFor("auditor");
  // 240 invocations in October: Nova in both accounts, DeepSeek in A, some denied.
  const events = createInvocationEventsRepository(t.db);
  const rows = [];
  for (let i = 0; i < 240; i++) {
    const at = new Date(FROM.getTime() + i * 3 * 3_600_000);
    const model = i % 10 === 0 ? "us.deepseek.r1-v1:0" : "amazon.nova-pro-v1:0";
    const extra = i % 25 === 1 ? { errorCode: "AccessDeniedException" } : {};
    rows.push(normalizeRecord(record(i, i % 3 === 0 ? A : B, model, at, extra)));
  }
  // One before the period: not in any report.
  rows.push(normalizeRecord(record(999, A, "amazon.nova-pro-v1:0", new Date("2026-09-30T00:00:00Z"))));
  eventCount = 240;
  expect(await events.write(rows.filter((r) => r !== undefined))).toBe(241);
  // With an empty catalog, every successful call is unapproved.
  await t.services.invocations.analyze({ from: FROM, to: TO });
  // A reconciliation finding opened on 3 Oct and resolved 2 days later.
  const findings = createFindingsRepository(t.db);
  const candidate = {
    type: "LEGACY_MODEL" as const,
    severity: "medium" as const,
    accountId: B,
    region: "us-east-1",
    modelId: "anthropic.claude-v2",
    path: null,
    gate: null,
    key: `LEGACY_MODEL|${B}|us-east-1|anthropic.claude-v2|`,
    detail: "legacy model approved",
    evidence: {},
  };
  await findings.apply([candidate], new Date("2026-10-03T00:00:00Z"));
  await findings.apply([], new Date("2026-10-05T00:00:00Z"));
  // Access decisions as the access-request workflow records them in the audit log.
  await t.db.transaction(async (tx) => {
    await t.services.audit.record(
      ctx,
      {
        action: "access_request.create",
        targetType: "access_request",
        targetId: "ar-1",
        after: {
          requestId: "ar-1",
          accountIds: [A],
          regions: ["us-east-1"],
          model: "deepseek.r1-v1:0",
          requesterId: "dev@example.com",
          decision: null,
          approverId: null,
          comment: "evaluation",
        },
      },
      tx,
    );
    await t.services.audit.record(
      ctx,
      {
        action: "access_request.approve",
        targetType: "access_request",
        targetId: "ar-1",
        after: {
          requestId: "ar-1",
          accountIds: [A],
          regions: ["us-east-1"],
          model: "deepseek.r1-v1:0",
          requesterId: "dev@example.com",
          decision: "approve",
          approverId: "alice@example.com",
          comment: "two weeks",
        },
      },
      tx,
    );
    // A person deciding her own request with an API key she owns (as recorded before people were
    // compared): different credentials, one person.
    await t.services.audit.record(
      ctx,
      {
        action: "access_request.approve",
        targetType: "access_request",
        targetId: "ar-2",
        after: {
          requestId: "ar-2",
          accountIds: [A],
          regions: ["us-east-1"],
          model: "deepseek.r1-v1:0",
          requesterId: "oidc:0123456789ab:carol",
          requesterPerson: "oidc:0123456789ab:carol",
          decision: "approve",
          approverId: "apikey:00000000000000cc",
          approverPerson: "oidc:0123456789ab:carol",
          comment: "mine",
        },
      },
      tx,
    );
  });
});
afterAll(async () => t?.close());

const parseCsv = (text: string): string[][] =>
  text
    .trim()
    .split("\r\n")
    .map((l) => l.split(","));

describe("compliance reports", () => {
  it("CSV: a ZIP of one CSV per section, each with its header row, the expected rows, streamed invocations", async () => {
    // The audit rows were written now, so report a period that includes today too.
    const { data, type, meta } = await report({
      format: "csv",
      includeEvents: true,
      to: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(type).toBe("application/zip");
    expect(meta.sizeBytes).toBe(data.length);
    const files = await unzip(data);
    expect(files.map((f) => f.path)).toEqual([
      "summary.csv",
      "coverage.csv",
      "catalog.csv",
      "finding_summary.csv",
      "findings.csv",
      "access_requests.csv",
      "remediations.csv",
      "usage_by_model.csv",
      "usage_by_account.csv",
      "usage_by_principal.csv",
      "unapproved_usage.csv",
      "invocations.csv",
      "remediation_changes_json.csv",
    ]);
    // Each file: its own header row, then that section's rows (prefixed here with the section id).
    const rows: string[][] = [];
    for (const f of files) {
      const [header, ...body] = parseCsv(f.bytes.toString("utf8"));
      expect(header?.[0], f.path).not.toBe("");
      for (const r of body) expect(r.join(","), f.path).not.toBe(header?.join(","));
      rows.push(...body.map((r) => [f.path.replace(/\.csv$/, ""), ...r]));
    }
    const section = (id: string) => rows.filter((r) => r[0] === id);
    // DeepSeek: every 10th call, in A when also a multiple of 3, always from us-east-1.
    const deepseek = section("unapproved_usage").find((r) => r[1] === A && r[3] === "us.deepseek.r1-v1:0");
    expect(deepseek?.slice(1, 6)).toEqual([A, "us-east-1", "us.deepseek.r1-v1:0", "deepseek.r1-v1:0", "8"]);
    const deepseekRows = section("unapproved_usage").filter((r) => r[3] === "us.deepseek.r1-v1:0");
    expect(deepseekRows.reduce((n, r) => n + Number(r[5]), 0)).toBe(24);
    const usage = section("usage_by_model");
    expect(usage.map((r) => [r[1], Number(r[2])])).toEqual([
      ["amazon.nova-pro-v1:0", 216],
      ["deepseek.r1-v1:0", 24],
    ]);
    expect(section("finding_summary")).toContainEqual(["finding_summary", "LEGACY_MODEL", "1", "1", "48", "48"]);
    const decided = section("access_requests").find((r) => r[2] === "access_request.approve");
    // People are named beside their ids (no name is known for these: the id stands for it).
    expect(decided?.slice(3, 16)).toEqual([
      "ar-1",
      A,
      "us-east-1",
      "deepseek.r1-v1:0",
      "dev@example.com",
      "dev@example.com",
      "approve",
      "alice@example.com",
      "alice@example.com",
      "two weeks",
      "bedrock-governor",
      "system",
      "false",
    ]);
    // self_approved compares the persons behind the credentials, not the credentials.
    const own = section("access_requests").find((r) => r[3] === "ar-2");
    expect(own?.slice(8, 16)).toEqual([
      "oidc:0123456789ab:carol",
      "approve",
      "apikey:00000000000000cc",
      "apikey:00000000000000cc",
      "mine",
      "bedrock-governor",
      "system",
      "true",
    ]);
    expect(section("invocations")).toHaveLength(eventCount);
  });

  it("PDF: the text holds the sections and the expected rows", async () => {
    const { data, type } = await report({ format: "pdf", to: new Date(Date.now() + 3_600_000).toISOString() });
    expect(type).toBe("application/pdf");
    const { text } = await extractText(new Uint8Array(data), { mergePages: true });
    for (const heading of [
      "Amazon Bedrock compliance report",
      "Catalog in force",
      "Findings opened and closed",
      "Access requests and decisions",
      "Remediations applied",
      "Invocations by model",
      "Unapproved usage",
    ])
      expect(text).toContain(heading);
    expect(text).toContain("us.deepseek.r1-v1:0");
    // A name is never broken mid-token.
    expect(text).toContain("alice@example.com");
    expect(text).toContain("LEGACY_MODEL");
    expect(text).toMatch(/amazon\.nova-pro-v1:0\s+216/);
  });

  it("evidence package: the report, a CSV per section, catalog, audit head and a manifest whose hashes match", async () => {
    const { data, type } = await report({ format: "evidence", to: new Date(Date.now() + 3_600_000).toISOString() });
    expect(type).toBe("application/zip");
    const files = await unzip(data);
    const byPath = new Map(files.map((f) => [f.path, f.bytes]));
    const manifest = JSON.parse(byPath.get("manifest.json")?.toString("utf8") ?? "{}") as {
      algorithm: string;
      report: { id: string };
      files: Array<{ path: string; size: number; sha256: string }>;
    };
    expect(manifest.algorithm).toBe("sha256");
    // Every file but the manifest is listed, with its size and SHA-256.
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      files
        .map((f) => f.path)
        .filter((p) => p !== "manifest.json")
        .sort(),
    );
    for (const f of manifest.files) {
      const bytes = byPath.get(f.path) ?? Buffer.alloc(0);
      expect(bytes.length, f.path).toBe(f.size);
      expect(createHash("sha256").update(bytes).digest("hex"), f.path).toBe(f.sha256);
    }
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["report.pdf", "report.json", "catalog.yaml", "audit-head.json"]));
    expect(paths).toContain("csv/unapproved_usage.csv");
    expect(paths.includes("control-mapping.yaml")).toBe(existsSync(path.join(packageRoot(), CONTROL_MAPPING_FILE)));
    const head = JSON.parse(byPath.get("audit-head.json")?.toString("utf8") ?? "{}") as { id: string; hash: string };
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(head.id)).toBeGreaterThan(0);
    expect(byPath.get("catalog.yaml")?.toString("utf8")).toContain("entries:");
    const json = JSON.parse(byPath.get("report.json")?.toString("utf8") ?? "{}") as { report: { id: string } };
    expect(json.report.id).toBe(manifest.report.id);
    const { text } = await extractText(new Uint8Array(byPath.get("report.pdf") ?? Buffer.alloc(0)), {
      mergePages: false,
    });
    for (const [i, page] of text.entries()) expect(page).toMatch(new RegExp(`Page ${i + 1} of ?${text.length}\\b`));
    expect(byPath.get("csv/unapproved_usage.csv")?.toString("utf8").split("\r\n")[0]).toBe(
      "account_id,region,model_id,base_model_id,invocations,first_event_at,last_event_at,principals,status",
    );
  });

  it("HTML: printable, self-contained, with charts", async () => {
    const { data } = await report({ format: "html" });
    const html = data.toString("utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("@media print");
    expect(html).not.toMatch(/<(script|link)\b|src="http/);
    expect(html).toContain('<td class="token">us.deepseek.r1-v1:0</td>');
  });

  it("JSON: the same sections with summaries", async () => {
    const { data } = await report({ format: "json", scope: { kind: "organization" } });
    const doc = JSON.parse(data.toString("utf8")) as {
      sections: Array<{ id: string; rows: unknown[][]; summary: Record<string, number> }>;
    };
    const byId = new Map(doc.sections.map((s) => [s.id, s]));
    expect(byId.get("usage_by_account")?.rows.map((r) => [r[0], r[1]])).toEqual([
      [B, 160],
      [A, 80],
    ]);
    expect(byId.get("unapproved_usage")?.summary.rows).toBe(byId.get("unapproved_usage")?.rows.length);
  });

  it("refuses bad requests naming the field; viewers may not read reports; not ready is 409", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: { authorization: auditor },
      payload: { from: TO.toISOString(), to: FROM.toISOString(), scope: { kind: "organization" }, format: "csv" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: "body.from" }] });
    const unknown = await t.app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: { authorization: auditor },
      payload: {
        from: FROM.toISOString(),
        to: TO.toISOString(),
        scope: { kind: "account", id: "999999999999" },
        format: "pdf",
      },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: "SCOPE_UNKNOWN", errors: [{ field: "body.scope.id" }] });
    const reportsBefore = await t.db.client.report.count();
    for (const [scope, status, field] of [
      [{ kind: "ou" }, 400, "body.scope.id"],
      [{ kind: "ou", id: "999999999999" }, 400, "body.scope.id"],
      [{ kind: "ou", id: "ou-none-nonexist" }, 422, "body.scope.id"],
      [{ kind: "account", id: "12" }, 400, "body.scope.id"],
      [{ kind: "account", id: "999999999999", region: "us-east-1" }, 400, "body.scope.region"],
      [{ kind: "organization", id: "r-abcd" }, 400, "body.scope.id"],
      [{ kind: "galaxy" }, 400, "body.scope.kind"],
      ["organization", 400, "body.scope"],
    ] as const) {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/reports",
        headers: { authorization: auditor },
        payload: { from: FROM.toISOString(), to: TO.toISOString(), scope, format: "csv" },
      });
      expect(res.statusCode, JSON.stringify(scope)).toBe(status);
      expect(res.json().errors[0].field, JSON.stringify(scope)).toBe(field);
    }
    expect(await t.db.client.report.count()).toBe(reportsBefore);
    const viewer = await t.keyFor("viewer");
    const denied = await t.app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: { authorization: viewer },
      payload: { from: FROM.toISOString(), to: TO.toISOString(), scope: { kind: "organization" }, format: "csv" },
    });
    expect(denied.statusCode).toBe(403);
    // A report recorded but not rendered yet (no job queued for it): not downloadable.
    const queued = await t.db.transaction((tx) =>
      createReportsRepository(t.db).create(
        {
          id: randomUUID(),
          format: "csv",
          from: FROM,
          to: TO,
          scope: { kind: "organization" },
          options: {},
          requestedBy: "test",
          now: new Date(),
        },
        tx,
      ),
    );
    const early = await t.app.inject({ url: `/v1/reports/${queued.id}/download`, headers: { authorization: auditor } });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: "REPORT_NOT_READY" });
    const missing = await t.app.inject({ url: `/v1/reports/${randomUUID()}`, headers: { authorization: auditor } });
    expect(missing.statusCode).toBe(404);
  });

  it("lists the reports requested, newest first, in pages, with their download link once ready", async () => {
    const all: Array<{ id: string; createdAt: string; status: string; downloadUrl: string | null }> = [];
    let cursor: string | undefined;
    do {
      const res = await t.app.inject({
        url: `/v1/reports?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        headers: { authorization: auditor },
      });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: typeof all; nextCursor?: string };
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all.length).toBe(await t.db.client.report.count());
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const times = all.map((r) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const r of all) expect(r.downloadUrl).toBe(r.status === "ready" ? `/v1/reports/${r.id}/download` : null);
    const viewer = await t.keyFor("viewer", "history-viewer");
    expect((await t.app.inject({ url: "/v1/reports", headers: { authorization: viewer } })).statusCode).toBe(403);
    const bad = await t.app.inject({ url: "/v1/reports?cursor=nope", headers: { authorization: auditor } });
    expect(bad.statusCode).toBe(400);
  });
});
