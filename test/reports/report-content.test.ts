// What the compliance report says, on known data: the executive summary's figures beside the
// previous period's, the coverage statement naming an unreachable account and a trail gap with
// their reasons, people's names beside their ids, remediation changes in sentences with their JSON
// in an appendix, column kinds and the controls each section evidences.
import { createHash, randomUUID } from "node:crypto";
import { extractText } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Principal, SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createInvocationEventsRepository } from "../../src/modules/invocations/invocation-events.repository.js";
import { MANTLE_NOT_LOGGED_WARNING } from "../../src/modules/invocations/mantle-trail.js";
import { normalizeRecord } from "../../src/modules/invocations/normalize.js";
import { trailKeyAt, trailPrefix } from "../../src/modules/invocations/trail-keys.js";
import { loadControlMapping } from "../../src/modules/reports/control-mapping.js";
import { buildTrailEvent } from "../../src/sandbox/trail.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { requestReport } from "../helpers/reports.js";
import { unzip } from "../helpers/zip.js";

const FROM = new Date("2026-08-01T00:00:00.000Z");
const TO = new Date("2026-09-01T00:00:00.000Z");
const C = "111111111111"; // trail ingested, but the trail does not log bedrock-mantle data events
const D = "555555555555"; // complete
const G = "333333333333"; // LookupEvents only, first read too late for the period: a trail gap
const U = "222222222222"; // unreachable at the credentials gate since 10 August
const N = "444444444444"; // joined mid-period, never synced
const R = "us-east-1";
const d = (s: string) => new Date(s);

let t: TestApp;
let auditor: string;
let approverKeyId: string;

type Section = {
  id: string;
  columns: string[];
  kinds: string[];
  controls: Array<{ framework: string; id: string; title: string }>;
  lead: string[];
  appendix?: boolean;
  rows: unknown[][];
  summary: Record<string, unknown>;
};

/** A report of the organization for the period, its bytes once ready. */
async function download(from: Date, to: Date, format: "json" | "csv" | "html" | "pdf" | "evidence"): Promise<Buffer> {
  const payload = { from: from.toISOString(), to: to.toISOString(), scope: { kind: "organization" }, format };
  return (await requestReport(t, auditor, payload)).data;
}

async function jsonReport(from: Date, to: Date): Promise<Map<string, Section>> {
  const doc = JSON.parse((await download(from, to, "json")).toString("utf8")) as { sections: Section[] };
  return new Map(doc.sections.map((s) => [s.id, s]));
}

const kpi = (s: Section | undefined, name: string) => {
  const row = s?.rows.find((r) => r[0] === name);
  expect(row, name).toBeDefined();
  return { value: row?.[1], previous: row?.[2], trend: row?.[3] };
};

async function sql(text: string, params: unknown[] = []) {
  await t.db.pgPool().query(text, params);
}

beforeAll(async () => {
  t = await startTestApp({ INVOCATIONS_LOOKBACK_DAYS: "90" });
  auditor = await t.keyFor("auditor");
  approverKeyId = (await t.keyFor("approver", "Erin's release key")).split("_")[1] as string;

  // Inventory: five accounts; N joined mid-period and was never read.
  for (const [id, seen] of [
    [C, "2026-06-01"],
    [D, "2026-06-01"],
    [G, "2026-06-01"],
    [U, "2026-06-01"],
    [N, "2026-08-15"],
  ] as const)
    await sql(`INSERT INTO accounts (id, name, state, path, first_seen_at) VALUES ($1, $2, 'ACTIVE', $3, $4)`, [
      id,
      `acct-${id.slice(0, 1)}`,
      `r-test/${id}`,
      d(seen),
    ]);
  for (const id of [C, D, G])
    await sql(
      `INSERT INTO account_regions (account_id, region, status, last_attempt_at, last_success_at) VALUES ($1, $2, 'ok', $3, $3)`,
      [id, R, d("2026-11-30T00:00:00Z")],
    );
  await sql(
    `INSERT INTO account_regions (account_id, region, status, last_attempt_at, last_success_at, last_error_at,
       last_error_gate, last_error_code, last_error_message)
     VALUES ($1, $2, 'error', $3, $4, $3, 'credentials', 'AccessDenied', 'cannot assume the member role')`,
    [U, R, d("2026-11-30T00:00:00Z"), d("2026-08-09T00:00:00Z")],
  );
  // Sync runs: C and U read in July; C, D, G and U in August; U fails from 10 August on.
  const job = async (account: string, status: string, at: string) => {
    const run = randomUUID();
    await sql(
      `INSERT INTO sync_runs (id, scope, status, trigger, requested_by, created_at) VALUES ($1, 'organization', 'partial', 'schedule', 'system', $2)`,
      [run, d(at)],
    );
    await sql(
      `INSERT INTO sync_run_jobs (run_id, account_id, region, status, finished_at, gate) VALUES ($1, $2, $3, $4::"SyncJobStatus", $5, $6)`,
      [run, account, R, status, d(at), status === "failed" ? "credentials" : null],
    );
  };
  for (const a of [C, U]) await job(a, "succeeded", "2026-07-20T00:00:00Z");
  for (const a of [C, D, G]) await job(a, "succeeded", "2026-08-05T00:00:00Z");
  await job(U, "succeeded", "2026-08-09T00:00:00Z");
  await job(U, "failed", "2026-08-10T06:00:00Z");
  await job(U, "failed", "2026-11-30T00:00:00Z");

  // Invocation ingestions and how far each account-Region was read.
  const ingestion = (source: string, accounts: string[], at: string, warnings: string[] = []) =>
    sql(
      `INSERT INTO invocation_ingestions (id, source, status, params, warnings, requested_by, created_at, finished_at, jobs_total, jobs_done)
       VALUES ($1, $2::"InvocationSource", 'succeeded', $3::jsonb, $4::text[], 'system', $5, $5, 1, 1)`,
      [randomUUID(), source, JSON.stringify({ accountIds: accounts }), warnings, d(at)],
    );
  await ingestion("s3", [C], "2026-07-15T00:00:00Z", [MANTLE_NOT_LOGGED_WARNING]);
  await ingestion("s3", [D], "2026-07-15T00:00:00Z");
  await ingestion("lookup", [G], "2026-11-10T00:00:00Z");
  await ingestion("lookup", [U], "2026-07-01T00:00:00Z");
  const s3Checkpoint = (account: string) => {
    const prefix = trailPrefix("o-test", account, R);
    return sql(
      `INSERT INTO invocation_checkpoints (id, source, account_id, region, last_key, updated_at) VALUES ($1, 's3', $2, $3, $4, now())`,
      [`s3:trail:${prefix}`, account, R, `${trailKeyAt(prefix, account, R, d("2026-11-30T00:00:00Z"))}_abcd.json.gz`],
    );
  };
  await s3Checkpoint(C);
  await s3Checkpoint(D);
  for (const [account, until] of [
    [G, "2026-12-01T00:00:00Z"],
    [U, "2026-08-09T00:00:00Z"],
  ] as const)
    for (const source of ["bedrock.amazonaws.com", "bedrock-mantle.amazonaws.com"])
      await sql(
        `INSERT INTO invocation_checkpoints (id, source, account_id, region, position, updated_at) VALUES ($1, 'lookup', $2, $3, $4, now())`,
        [`lookup:${account}:${R}:${source}`, account, R, d(until)],
      );

  // Findings: a critical one open since June, a high one opened in August, a medium one open
  // across 1 August and resolved on the 5th, a suppressed one (never counted as open).
  const finding = (
    key: string,
    type: string,
    severity: string,
    account: string,
    first: string,
    resolved: string | null,
    status = resolved ? "resolved" : "open",
  ) =>
    sql(
      `INSERT INTO findings (key, type, severity, status, account_id, region, model_id, detail, evidence, first_seen_at, last_seen_at, resolved_at)
       VALUES ($1, $2, $3, $4::"FindingStatus", $5, $6, 'deepseek.r1-v1:0', 'test', '{}'::jsonb, $7, $7, $8)`,
      [key, type, severity, status, account, R, d(first), resolved === null ? null : d(resolved)],
    );
  await finding("f1", "RESIDENCY_VIOLATION", "critical", U, "2026-06-15T00:00:00Z", null);
  await finding("f2", "UNAPPROVED_MODEL_ACCESSIBLE", "high", G, "2026-08-20T00:00:00Z", "2026-10-01T00:00:00Z");
  await finding("f3", "LEGACY_MODEL", "medium", C, "2026-07-10T00:00:00Z", "2026-08-05T00:00:00Z");
  await finding("f4", "LEGACY_MODEL", "low", D, "2026-06-10T00:00:00Z", null, "suppressed");

  // Invocations of an unapproved model (the catalog is empty): 2 in July, 6 in August of which
  // one was denied (not an unapproved use). Written and analyzed through the real paths, in a
  // Region of its own so the analysis's finding does not mix with the findings above.
  const events = createInvocationEventsRepository(t.db);
  const rows = [];
  const times = [
    "2026-07-10T01:00:00Z",
    "2026-07-20T01:00:00Z",
    ...["02", "04", "06", "08", "10", "12"].map((day) => `2026-08-${day}T01:00:00Z`),
  ];
  for (const [i, at] of times.entries())
    rows.push(
      normalizeRecord(
        buildTrailEvent({
          eventTime: d(at),
          account: C,
          region: "eu-west-1",
          modelId: "amazon.nova-pro-v1:0",
          identity: { arn: `arn:aws:iam::${C}:role/App`, accessKeyId: `ASIAEXAMPLE${i}` },
          requestId: `req-${i}`,
          eventId: `00000000-0000-4000-a000-${String(i).padStart(12, "0")}`,
          ...(i === 7 ? { errorCode: "AccessDeniedException" } : {}),
        }).record,
      ),
    );
  await events.write(rows.filter((r) => r !== undefined));
  await t.services.invocations.analyze({ from: d("2026-07-01T00:00:00Z"), to: TO });

  // Access requests decided: in August after 4, 10 and 6 hours (median 6), in July after 24.
  const request = (created: string, hours: number) => {
    const at = d(created);
    return sql(
      `INSERT INTO access_requests (id, requester_id, requester_name, account_ids, regions, target, model_id, provider, purpose,
         data_classification, duration_hours, status, required_approvals, approvals, auto_apply, dedupe_key, created_at,
         updated_at, pending_until, decided_at)
       VALUES ($1, 'oidc:test:carol', 'carol@example.com', $2, $3, 'deepseek.r1-v1:0', 'deepseek.r1-v1:0', 'deepseek', 'test',
         'internal', 24, 'approved', 1, 1, false, $4, $5, $5, $5, $6)`,
      [
        randomUUID(),
        [C],
        [R],
        randomUUID().replace(/-/g, "").padEnd(64, "0"),
        at,
        new Date(at.getTime() + hours * 3_600_000),
      ],
    );
  };
  await request("2026-08-10T00:00:00Z", 4);
  await request("2026-08-11T00:00:00Z", 10);
  await request("2026-08-12T00:00:00Z", 6);
  await request("2026-07-10T00:00:00Z", 24);

  // Today: a decision by Dave (signed in: his email claim is his name), one by Erin's API key, a
  // refused self-approval, and remediation changes.
  const dave: Principal = {
    kind: "user",
    id: "oidc:test:dave",
    name: "dave@example.com",
    roles: ["approver"],
    groups: [],
  };
  const decision = (approverId: string) => ({
    requestId: "ar-9",
    accountIds: [C],
    regions: [R],
    model: "deepseek.r1-v1:0",
    requesterId: "oidc:test:carol",
    requesterPerson: "oidc:test:carol",
    decision: "approve",
    approverId,
    approverPerson: approverId,
    comment: "ok",
  });
  await t.db.transaction(async (tx) => {
    await t.services.audit.record(
      { principal: dave },
      { action: "access_request.approve", targetType: "access_request", targetId: "ar-9", after: decision(dave.id) },
      tx,
    );
    await t.services.audit.record(
      { principal: SYSTEM_PRINCIPAL },
      {
        action: "access_request.approve",
        targetType: "access_request",
        targetId: "ar-9",
        after: decision(`apikey:${approverKeyId}`),
      },
      tx,
    );
    await t.services.audit.record(
      { principal: { ...dave, id: "oidc:test:carol", name: "carol@example.com" } },
      {
        action: "access_request.self_decision_refused",
        targetType: "access_request",
        targetId: "ar-9",
        after: decision("oidc:test:carol"),
      },
      tx,
    );
    for (const [index, change] of [
      { kind: "scp_create", name: "bg-allow-models-1", target: { kind: "ou", id: "ou-abc" }, statements: 3 },
      { kind: "scp_attach", policyId: "p-1234", name: "bg-allow-models-1", target: { kind: "ou", id: "ou-abc" } },
    ].entries())
      await t.services.audit.record(
        { principal: dave },
        {
          action: "remediation.change",
          targetType: "remediation_plan",
          targetId: "plan-1",
          after: { ...change, index, status: "applied" },
        },
        tx,
      );
  });
});
afterAll(async () => t?.close());

describe("compliance report content", () => {
  it("summary: each figure beside the previous period's, with its trend, and what needs attention", async () => {
    const s = await jsonReport(FROM, TO);
    const ids = [...s.keys()];
    expect(ids[0]).toBe("summary");
    expect(ids[1]).toBe("coverage");
    expect(ids[ids.length - 1]).toBe("remediation_changes_json");
    const summary = s.get("summary");
    expect(kpi(summary, "Accounts in scope")).toEqual({ value: 5, previous: 4, trend: "up" });
    expect(kpi(summary, "Accounts with inventory read in the period")).toEqual({ value: 4, previous: 2, trend: "up" });
    expect(kpi(summary, "Regions with inventory read in the period")).toEqual({ value: 1, previous: 1, trend: "same" });
    expect(kpi(summary, "Open findings: critical")).toEqual({ value: 1, previous: 1, trend: "same" });
    expect(kpi(summary, "Open findings: medium")).toEqual({ value: 0, previous: 1, trend: "down" });
    expect(kpi(summary, "Open findings: low")).toEqual({ value: 0, previous: 0, trend: "same" });
    // The analysis's UNAPPROVED_INVOCATION finding (high) is open since the first call, 10 July.
    expect(kpi(summary, "Open findings: high")).toEqual({ value: 2, previous: 1, trend: "up" });
    expect(kpi(summary, "Open findings aged 30 to 90 days")).toEqual({ value: 2, previous: 1, trend: "up" });
    expect(kpi(summary, "Open findings aged 7 to 30 days")).toEqual({ value: 1, previous: 2, trend: "down" });
    expect(kpi(summary, "Unapproved invocations")).toEqual({ value: 5, previous: 2, trend: "up" });
    expect(kpi(summary, "Access requests decided")).toEqual({ value: 3, previous: 1, trend: "up" });
    expect(kpi(summary, "Median hours from request to decision")).toEqual({ value: 6, previous: 24, trend: "down" });
    expect(kpi(summary, "Self-approval attempts refused")).toEqual({ value: 0, previous: 0, trend: "same" });
    expect(kpi(summary, "Reachable models (usable in some account-Region)")).toMatchObject({
      previous: null,
      trend: null,
    });
    expect(summary?.lead).toHaveLength(3);
    expect(summary?.lead[0]).toContain(`critical RESIDENCY_VIOLATION in account ${U}`);
    expect(summary?.lead[1]).toBe(
      `4 account-Region(s) have incomplete data for the period (1 missing, 3 partial), e.g. ${U} us-east-1: unreachable at gate credentials since 2026-08-10T06:00:00.000Z (AccessDenied); ${N}: no Region of this account has been read by an inventory sync.`,
    );
    expect(summary?.lead[2]).toContain("5 invocation(s) of models not approved");
    expect(summary?.kinds).toEqual(["text", "number", "number", "text", "text"]);
  });

  it("coverage: the unreachable account and the trail gap are named with their reasons; no account is left out", async () => {
    const s = await jsonReport(FROM, TO);
    const cov = s.get("coverage") as Section;
    const col = (name: string) => cov.columns.indexOf(name);
    const row = (account: string) => cov.rows.find((r) => r[col("account_id")] === account) as unknown[];
    expect(cov.rows.map((r) => r[col("account_id")]).sort()).toEqual([C, U, G, N, D].sort());
    // Unreachable since 10 August: inventory partial, invocations read only up to the 9th.
    expect(row(U)[col("inventory")]).toBe("partial");
    expect(row(U)[col("inventory_reason")]).toBe(
      "unreachable at gate credentials since 2026-08-10T06:00:00.000Z (AccessDenied)",
    );
    expect(row(U)[col("invocations")]).toBe("partial");
    expect(row(U)[col("invocations_reason")]).toContain("invocations read only up to 2026-08-09T00:00:00.000Z");
    // The trail gap: LookupEvents first read on 10 November reaches back to 12 August only.
    expect(row(G)[col("inventory")]).toBe("complete");
    expect(row(G)[col("invocations")]).toBe("partial");
    expect(row(G)[col("invocations_reason")]).toContain("LookupEvents window (90 days) exceeded");
    expect(row(G)[col("invocations_reason")]).toContain("2026-08-12T00:00:00.000Z");
    // The trail without mantle data events, said as such; a complete account-Region; an account never read.
    expect(row(C)[col("invocations")]).toBe("partial");
    expect(row(C)[col("invocations_reason")]).toBe("org trail without bedrock-mantle data events");
    expect([row(D)[col("inventory")], row(D)[col("invocations")]]).toEqual(["complete", "complete"]);
    expect(row(N)[col("region")]).toBeNull();
    expect(row(N)[col("inventory")]).toBe("missing");
    expect(row(N)[col("inventory_reason")]).toBe("no Region of this account has been read by an inventory sync");
    expect(row(N)[col("invocations")]).toBe("missing");
    expect(cov.summary).toMatchObject({ account_regions: 5, complete: 1, partial: 3, missing: 1 });
    expect(cov.kinds).toHaveLength(cov.columns.length);
  });

  it("every format states the same coverage: PDF (page numbers on every page, no cut), HTML, CSV and the evidence package", async () => {
    // What a reader must find in each: the unreachable account and the trail gap, with their reasons.
    const expected = [
      "unreachable at gate credentials since 2026-08-10T06:00:00.000Z (AccessDenied)",
      "LookupEvents window (90 days) exceeded",
      "org trail without bedrock-mantle data events",
      "no Region of this account has been read by an inventory sync",
    ];
    const flat = (text: string) => text.replace(/\s+/g, " ");
    const pdf = await download(FROM, TO, "pdf");
    const { totalPages, text } = await extractText(new Uint8Array(pdf), { mergePages: false });
    text.forEach((page, i) => {
      // pdf.js reads the total (drawn once known) as its own text item.
      expect(flat(page), `page ${i + 1}`).toMatch(new RegExp(`Page ${i + 1} of ?${totalPages}`));
    });
    const pdfText = flat(text.join(" "));
    expect(pdfText).not.toMatch(/more rows/i);
    for (const reason of expected) expect(pdfText, "PDF").toContain(reason);
    for (const account of [C, D, G, U, N]) expect(pdfText, "PDF").toContain(account);

    const html = flat((await download(FROM, TO, "html")).toString("utf8"));
    for (const reason of expected) expect(html, "HTML").toContain(reason);

    const csv = await unzip(await download(FROM, TO, "csv"));
    const coverage = csv.find((f) => f.path === "coverage.csv")?.bytes.toString("utf8") ?? "";
    for (const reason of expected) expect(coverage, "coverage.csv").toContain(reason);

    const evidence = await unzip(await download(FROM, TO, "evidence"));
    const manifest = JSON.parse(evidence.find((f) => f.path === "manifest.json")?.bytes.toString("utf8") ?? "{}") as {
      files: Array<{ path: string; sha256: string; size: number }>;
    };
    expect(manifest.files.length).toBe(evidence.length - 1);
    for (const f of manifest.files) {
      const file = evidence.find((e) => e.path === f.path);
      expect(file, f.path).toBeDefined();
      expect(
        createHash("sha256")
          .update(file?.bytes ?? Buffer.alloc(0))
          .digest("hex"),
        f.path,
      ).toBe(f.sha256);
      expect(file?.bytes.length, f.path).toBe(f.size);
    }
    const packaged = evidence.find((f) => f.path === "csv/coverage.csv")?.bytes.toString("utf8") ?? "";
    for (const reason of expected) expect(packaged, "evidence csv/coverage.csv").toContain(reason);
  }, 120_000);

  it("names people and keys beside their ids; remediations in sentences, their JSON in the appendix", async () => {
    const s = await jsonReport(new Date(Date.now() - 86_400_000), new Date(Date.now() + 3_600_000));
    const ar = s.get("access_requests") as Section;
    const col = (name: string) => ar.columns.indexOf(name);
    const approvals = ar.rows.filter((r) => r[col("action")] === "access_request.approve");
    expect(approvals.map((r) => [r[col("approver")], r[col("approver_id")]])).toEqual([
      ["dave@example.com", "oidc:test:dave"],
      ["Erin's release key", `apikey:${approverKeyId}`],
    ]);
    expect(approvals.map((r) => [r[col("actor")], r[col("actor_id")]])).toEqual([
      ["dave@example.com", "oidc:test:dave"],
      ["bedrock-governor", "system"],
    ]);
    // The requester's name from the request she filed (carol@example.com), not her principal id.
    expect(approvals[0]?.[col("requester")]).toBe("carol@example.com");
    expect(approvals[0]?.[col("requester_id")]).toBe("oidc:test:carol");
    expect(kpi(s.get("summary"), "Self-approval attempts refused")).toEqual({ value: 1, previous: 0, trend: "up" });

    const rem = s.get("remediations") as Section;
    expect(rem.rows.map((r) => r[rem.columns.indexOf("change")])).toEqual([
      "Created SCP bg-allow-models-1 (3 statements) for OU ou-abc (change 1 of plan plan-1).",
      "Attached SCP bg-allow-models-1 (p-1234) to OU ou-abc (change 2 of plan plan-1).",
    ]);
    expect(rem.rows[0]?.[rem.columns.indexOf("actor")]).toBe("dave@example.com");
    const appendix = s.get("remediation_changes_json") as Section;
    expect(appendix.appendix).toBe(true);
    expect(JSON.parse(String(appendix.rows[1]?.[appendix.columns.indexOf("change_json")]))).toMatchObject({
      kind: "scp_attach",
      policyId: "p-1234",
    });
  });

  it("every section has its column kinds and at least one control; the mapping names only real sections", async () => {
    const s = await jsonReport(FROM, TO);
    const mapping = loadControlMapping();
    for (const section of s.values()) {
      expect(section.kinds, section.id).toHaveLength(section.columns.length);
      expect(section.controls.length, section.id).toBeGreaterThan(0);
      expect(section.controls).toEqual(mapping.controlsFor(section.id));
    }
    // The invocations section appears only when asked for; every other id the mapping names is produced.
    expect(mapping.sectionIds().filter((id) => !s.has(id))).toEqual(["invocations"]);
    expect(s.get("usage_by_model")?.kinds).toEqual(["token", "number", "number", "number", "number", "time", "time"]);
    expect(s.get("coverage")?.controls.map((c) => c.id)).toContain("Art. 12(1)");
  });
});
