// Invocation audit end to end on sandbox CloudTrail: LookupEvents ingestion as jobs (throttled
// pages retried), unapproved invocations judged against the catalog in force at the time, a
// cross-Region profile call resolved, re-ingestion adding nothing, and the organization trail in
// S3 giving the very same rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createCatalogRepository } from "../../src/modules/catalog/catalog.repository.js";
import { createCatalogService } from "../../src/modules/catalog/catalog.service.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { Ingestion } from "../../src/modules/invocations/invocations.types.js";
import { MANTLE_LOOKUP_WARNING, MANTLE_NOT_LOGGED_WARNING } from "../../src/modules/invocations/mantle-trail.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { DEV, PROD, smallScenario } from "../sandbox/helpers.js";
import { ingestAndWait, query as queryOn } from "./helpers.js";

const ctx = { principal: SYSTEM_PRINCIPAL };
const DEEPSEEK = "us.deepseek.r1-v1:0";
const GLOBAL_CLAUDE = "global.anthropic.claude-sonnet-4-5-20250929-v1:0";
const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const HOUR = 3_600_000;

let sandbox: Sandbox;
let t: TestApp;
let admin: string;
let viewer: string;
let auditor: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const query = <T>(sql: string, params: unknown[] = []) => queryOn<T>(t, sql, params);
const ingest = (body: Record<string, unknown>) => ingestAndWait(t, { starter: admin, reader: viewer }, body);

/** Applies a catalog as of a past time (the catalog keeps history by when it changed). */
async function catalogAt(at: Date, yaml: string) {
  const catalog = createCatalogService({
    db: t.db,
    repo: createCatalogRepository(t.db),
    audit: t.services.audit,
    clock: { now: () => at },
    changed: async () => undefined, // the invocation audit reads no findings
  });
  await catalog.apply(ctx, parseCatalogDocument(yaml), `catalog as of ${at.toISOString()}`);
}

const rowsSnapshot = () =>
  query<Record<string, unknown>>(
    `SELECT * FROM invocation_events WHERE account_id = ANY($1) ORDER BY event_time, event_id`,
    [[DEV, PROD]],
  );

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: smallScenario({
      cloudtrail: {
        bucket: "org-trail-audit-test",
        // The trail logs bedrock-mantle inference (a data event): S3 has it, LookupEvents never.
        dataEvents: ["bedrock-mantle"],
        endTime: START.toISOString(),
        events: [
          // Before DeepSeek was approved (catalog v2, 1 h ago): unapproved.
          { minutesAgo: 150, account: DEV, region: "us-east-1", modelId: DEEPSEEK, count: 2 },
          // After: allowed.
          { minutesAgo: 30, account: DEV, region: "us-east-1", modelId: DEEPSEEK, count: 3 },
          { minutesAgo: 20, account: DEV, region: "us-east-1", modelId: GLOBAL_CLAUDE, inferenceRegion: "eu-west-1" },
          { minutesAgo: 15, account: DEV, region: "us-east-1", modelId: "amazon.nova-pro-v1:0", count: 2 },
          {
            minutesAgo: 10,
            account: PROD,
            region: "us-west-2",
            modelId: "openai.gpt-oss-120b-1:0",
            eventSource: "bedrock-mantle.amazonaws.com",
            eventName: "InvokeModel",
          },
          {
            minutesAgo: 5,
            account: DEV,
            region: "us-east-1",
            modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
            errorCode: "AccessDeniedException",
            errorMessage:
              "User: arn:aws:sts::222222222222:assumed-role/DataScienceRole/s is not authorized to perform: bedrock:InvokeModel with an explicit deny in a service control policy",
            count: 4,
          },
        ],
        // Enough for several LookupEvents pages per account-Region, all after catalog v1.
        generate: {
          days: 0.1,
          eventsPerAccountRegionPerDay: 600,
          accounts: [DEV, PROD],
          models: { "amazon.nova-lite-v1:0": 1 },
          errorRate: 0,
          mantleShare: 0,
          seed: 7,
        },
      },
      // The real 2 TPS LookupEvents quota, while the client is set to send 4 per second: pages get throttled.
      faults: { defaultQuotas: true },
    }),
  });
  process.env.AWS_ACCESS_KEY_ID = sandbox.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.baseCredentials.secretAccessKey;
  t = await startTestApp({
    AWS_TARGET: "sandbox",
    SANDBOX_URL: sandbox.url,
    AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
    ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
    INVENTORY_REGIONS: "us-east-1,us-west-2",
    AWS_RATE_LIMITS: "cloudtrail:LookupEvents=4",
    AUDIT_OVERLAP_MINUTES: "20",
  });
  admin = await t.keyFor("admin");
  viewer = await t.keyFor("viewer");
  auditor = await t.keyFor("auditor");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  for (let i = 0; i < 600; i++) {
    const now = await t.services.sync.getRun(ctx, run.id);
    if (now.status !== "queued" && now.status !== "running") break;
    await sleep(100);
  }
  await catalogAt(
    new Date(START.getTime() - 4 * HOUR),
    `entries:
  - id: nova
    model: amazon.nova-*
    scope: organization
    owner: platform
    justification: default models
  - id: claude
    model: anthropic.claude-sonnet-4-5-20250929-v1:0
    scope: organization
    owner: platform
    justification: assistants
`,
  );
  await catalogAt(
    new Date(START.getTime() - HOUR),
    `entries:
  - id: nova
    model: amazon.nova-*
    scope: organization
    owner: platform
    justification: default models
  - id: claude
    model: anthropic.claude-sonnet-4-5-20250929-v1:0
    scope: organization
    owner: platform
    justification: assistants
  - id: deepseek-dev
    model: deepseek.*
    scope: { account: "${DEV}" }
    owner: research
    justification: evaluation
  - id: mistral
    model: mistral.*
    scope: organization
    owner: platform
    justification: nobody uses it
`,
  );
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
});

describe("LookupEvents ingestion", () => {
  let first: Ingestion;

  it("stores every Bedrock invocation of the account-Regions, throttled pages retried and none lost", async () => {
    sandbox.counters.reset();
    first = await ingest({ source: "lookup", accountIds: [DEV, PROD] });
    expect(first).toMatchObject({ status: "succeeded", jobsTotal: 4, jobsDone: 4, jobsFailed: 0 });
    expect(first.warnings).toEqual([MANTLE_LOOKUP_WARNING]);
    // Every management event; bedrock-mantle inference (a data event) is not in LookupEvents.
    const expected = sandbox.state.trail.events.filter(
      (e) => (e.account === DEV || e.account === PROD) && e.dataEvent !== true,
    );
    expect(sandbox.state.trail.events.some((e) => e.dataEvent === true)).toBe(true);
    expect(first.eventsAdded).toBe(expected.length);
    expect(first.pages).toBeGreaterThan(8);
    expect(sandbox.counters.throttled({ service: "cloudtrail", operation: "LookupEvents" })).toBeGreaterThan(0);
    const ids = (await rowsSnapshot()).map((r) => r.event_id).sort();
    expect(ids).toEqual(expected.map((e) => e.eventId).sort());
  });

  it("resolves a cross-Region profile call to its base model and inference Region", async () => {
    const [row] = await query<Record<string, unknown>>(
      `SELECT * FROM invocation_events WHERE model_id = $1 AND account_id = $2`,
      [GLOBAL_CLAUDE, DEV],
    );
    expect(row).toMatchObject({
      region: "us-east-1",
      inference_region: "eu-west-1",
      profile_id: GLOBAL_CLAUDE,
      base_model_id: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      principal_type: "AssumedRole",
      event_source: "bedrock.amazonaws.com",
      bearer_token: false,
      error_code: null,
    });
    expect(String(row?.principal_issuer_arn)).toMatch(/^arn:aws:iam::222222222222:role\//);
    const mantle = await query<Record<string, unknown>>(
      `SELECT * FROM invocation_events WHERE event_source = 'bedrock-mantle.amazonaws.com'`,
    );
    expect(mantle).toEqual([]);
  });

  it("finds the invocations the catalog did not allow at that time, and only those", async () => {
    const res = await t.app.inject({
      url: "/v1/findings?type=UNAPPROVED_INVOCATION&limit=50",
      headers: { authorization: viewer },
    });
    expect(res.statusCode, res.body).toBe(200);
    const items = (res.json() as { items: Array<Record<string, unknown>> }).items;
    const byKey = new Map(items.map((f) => [`${f.accountId}|${f.region}|${f.modelId}`, f]));
    // The mantle call is not seen through LookupEvents (its finding comes with the S3 ingestion).
    expect([...byKey.keys()].sort()).toEqual([`${DEV}|us-east-1|${DEEPSEEK}`]);
    const deepseek = byKey.get(`${DEV}|us-east-1|${DEEPSEEK}`);
    // Only the two calls made before DeepSeek was approved.
    expect(deepseek).toMatchObject({ status: "open", severity: "high" });
    expect(deepseek?.evidence).toMatchObject({ invocations: 2, baseModelId: "deepseek.r1-v1:0", profileId: DEEPSEEK });
  });

  it("a reconciliation does not resolve unapproved-invocation findings", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/reconciliations",
      headers: { authorization: admin },
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    const open = await query<{ n: string }>(
      `SELECT count(*) AS n FROM findings WHERE type = 'UNAPPROVED_INVOCATION' AND status = 'open'`,
    );
    expect(Number(open[0]?.n)).toBe(1);
  });

  it("ingesting the same window again adds nothing", async () => {
    const before = await rowsSnapshot();
    const again = await ingest({ source: "lookup", accountIds: [DEV, PROD] });
    expect(again.status).toBe("succeeded");
    // The overlap window is read again; nothing in it is new.
    expect(again.eventsRead).toBeGreaterThan(0);
    expect(again.eventsAdded).toBe(0);
    expect(await rowsSnapshot()).toEqual(before);
  });

  it("reports bursts of access-denied errors with the likely gate, and usage per model", async () => {
    const from = new Date(START.getTime() - 6 * HOUR).toISOString();
    const to = new Date(START.getTime() + HOUR).toISOString();
    const bursts = await t.app.inject({
      url: `/v1/invocations/denied-bursts?from=${from}&to=${to}&windowMinutes=60&threshold=3`,
      headers: { authorization: auditor },
    });
    expect(bursts.statusCode, bursts.body).toBe(200);
    expect((bursts.json() as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        accountId: DEV,
        region: "us-east-1",
        baseModelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
        count: 4,
        likelyGate: "scp_deny",
      }),
    ]);
    const usage = await t.app.inject({
      url: `/v1/invocations/usage?from=${from}&to=${to}&by=model`,
      headers: { authorization: auditor },
    });
    const items = (usage.json() as { items: Array<{ key: string; invocations: number; errors: number }> }).items;
    expect(items.find((i) => i.key === "deepseek.r1-v1:0")).toMatchObject({ invocations: 5, errors: 0 });
    const bad = await t.app.inject({
      url: `/v1/invocations/usage?from=${to}&to=${from}&by=model`,
      headers: { authorization: auditor },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: "query.from" }] });
  });

  it("lists grants never used in N days", async () => {
    const res = await t.app.inject({
      url: "/v1/invocations/unused-grants?days=30",
      headers: { authorization: auditor },
    });
    expect(res.statusCode, res.body).toBe(200);
    // Claude was called only through the global profile (that counts); Mistral never.
    expect((res.json() as { items: unknown[] }).items).toEqual([
      { entryId: "mistral", model: "mistral.*", scope: { kind: "organization" }, owner: "platform", expiresAt: null },
    ]);
  });
});

describe("organization trail in S3", () => {
  it("gives the rows of LookupEvents plus bedrock-mantle inference, with the trail's data-event selector", async () => {
    const fromLookup = await rowsSnapshot();
    await query("TRUNCATE invocation_events");
    const s3 = await ingest({
      source: "s3",
      accountIds: [DEV, PROD],
      bucket: "org-trail-audit-test",
      bucketAccount: sandbox.state.trail.bucketAccount,
    });
    expect(s3).toMatchObject({ status: "succeeded", jobsFailed: 0, warnings: [] });
    expect(s3.eventsAdded).toBe(fromLookup.length + 1);
    const rows = await rowsSnapshot();
    const mantle = rows.filter((r) => r.event_source === "bedrock-mantle.amazonaws.com");
    expect(mantle).toEqual([
      expect.objectContaining({
        account_id: PROD,
        bearer_token: true,
        base_model_id: "openai.gpt-oss-120b-1:0",
        profile_id: null,
      }),
    ]);
    expect(rows.filter((r) => r.event_source !== "bedrock-mantle.amazonaws.com")).toEqual(fromLookup);
    // Incremental by key: a second run reads only the overlap and adds nothing.
    const again = await ingest({
      source: "s3",
      accountIds: [DEV, PROD],
      bucket: "org-trail-audit-test",
      bucketAccount: sandbox.state.trail.bucketAccount,
    });
    expect(again.eventsAdded).toBe(0);
  });

  it("without a data-event selector for bedrock-mantle, says so and stores no mantle rows", async () => {
    await query("TRUNCATE invocation_events");
    await query("DELETE FROM invocation_checkpoints");
    sandbox.state.trail.dataEvents = [];
    try {
      const blind = await ingest({
        source: "s3",
        accountIds: [DEV, PROD],
        bucket: "org-trail-audit-test",
        bucketAccount: sandbox.state.trail.bucketAccount,
      });
      expect(blind).toMatchObject({ status: "succeeded", jobsFailed: 0, warnings: [MANTLE_NOT_LOGGED_WARNING] });
      expect(blind.eventsAdded).toBeGreaterThan(0);
      const got = await t.app.inject({
        url: `/v1/invocation-ingestions/${blind.id}`,
        headers: { authorization: viewer },
      });
      expect(got.json()).toMatchObject({ warnings: [MANTLE_NOT_LOGGED_WARNING] });
      const mantle = await query(`SELECT 1 FROM invocation_events WHERE event_source = 'bedrock-mantle.amazonaws.com'`);
      expect(mantle).toEqual([]);
    } finally {
      sandbox.state.trail.dataEvents = ["bedrock-mantle"];
    }
    // Back to the selector: the mantle call is read (checkpoints cleared so the files are read again).
    await query("TRUNCATE invocation_events");
    await query("DELETE FROM invocation_checkpoints");
    await ingest({
      source: "s3",
      accountIds: [DEV, PROD],
      bucket: "org-trail-audit-test",
      bucketAccount: sandbox.state.trail.bucketAccount,
    });
  });

  it("a trail with an S3 key prefix: without it the ingestion says where it looked; with it, the same rows", async () => {
    const fromLookup = await rowsSnapshot();
    await query("TRUNCATE invocation_events");
    sandbox.state.trail.keyPrefix = "org-logs/team-a";
    try {
      const body = {
        source: "s3",
        accountIds: [DEV, PROD],
        bucket: "org-trail-audit-test",
        bucketAccount: sandbox.state.trail.bucketAccount,
      };
      const blind = await ingest(body);
      expect(blind.eventsAdded).toBe(0);
      expect(blind.jobsFailed).toBeGreaterThan(0);
      expect(blind.lastError).toMatch(/no CloudTrail files under s3:\/\/org-trail-audit-test\/AWSLogs\/.*key prefix/);
      const prefixed = await ingest({ ...body, keyPrefix: "org-logs/team-a" });
      expect(prefixed).toMatchObject({ jobsFailed: 0 });
      expect(await rowsSnapshot()).toEqual(fromLookup);
    } finally {
      delete sandbox.state.trail.keyPrefix;
    }
  });

  it("refuses bad input naming the field, and writes nothing", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/invocation-ingestions",
      headers: { authorization: admin },
      payload: { source: "s3", accountIds: ["12"] },
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain("accountIds");
    const denied = await t.app.inject({
      method: "POST",
      url: "/v1/invocation-ingestions",
      headers: { authorization: viewer },
      payload: { source: "lookup" },
    });
    expect(denied.statusCode).toBe(403);
    const none = await t.app.inject({
      method: "POST",
      url: "/v1/invocation-ingestions",
      headers: { authorization: admin },
      payload: { source: "lookup", accountIds: ["999999999999"] },
    });
    expect(none.statusCode).toBe(422);
    expect(none.json()).toMatchObject({ code: "NO_TARGETS" });
  });
});
