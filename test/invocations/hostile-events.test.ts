// CloudTrail text is attacker-controlled: a caller chooses its user agent and, through a failing
// request, part of an error message. One event with a NUL byte (PostgreSQL text cannot hold it) or
// a lone UTF-16 surrogate used to fail its whole account-Region's ingestion forever: 0 events
// stored, the checkpoint never moving. Such text is stored with the character replaced (U+FFFD);
// every other event of the batch is stored as usual, by LookupEvents and from the trail's files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { normalizeRecord } from "../../src/modules/invocations/normalize.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { DEV, smallScenario } from "../sandbox/helpers.js";
import { ingestAndWait, query as queryOn } from "./helpers.js";

const START = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const NUL_AGENT = "curl/8.0\u0000<script>";
const SURROGATE_MESSAGE = "denied \uD800 by policy";
let sandbox: Sandbox;
let t: TestApp;
let admin: string;

const query = <T>(sql: string, params: unknown[] = []) => queryOn<T>(t, sql, params);
const ingest = (body: Record<string, unknown>) => ingestAndWait(t, { starter: admin, reader: admin }, body);

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: smallScenario({
      cloudtrail: {
        bucket: "org-trail-hostile",
        endTime: START.toISOString(),
        events: [
          { minutesAgo: 30, account: DEV, region: "us-east-1", modelId: "amazon.nova-pro-v1:0", count: 5 },
          { minutesAgo: 20, account: DEV, region: "us-east-1", modelId: "amazon.nova-pro-v1:0", userAgent: NUL_AGENT },
          {
            minutesAgo: 10,
            account: DEV,
            region: "us-east-1",
            modelId: "amazon.nova-pro-v1:0",
            errorCode: "AccessDeniedException",
            errorMessage: SURROGATE_MESSAGE,
          },
        ],
      },
    }),
  });
  process.env.AWS_ACCESS_KEY_ID = sandbox.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.baseCredentials.secretAccessKey;
  t = await startTestApp({
    SANDBOX_URL: sandbox.url,
    AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
    ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
    INVENTORY_REGIONS: "us-east-1",
    LOG_LEVEL: "warn",
  });
  admin = await t.keyFor("admin");
  const run = await t.services.sync.requestSync({ principal: SYSTEM_PRINCIPAL }, { scope: "organization" });
  await waitForSyncRun(t, run.id);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
});

describe("hostile text in CloudTrail events", () => {
  it("normalizing replaces NUL bytes and lone surrogates, keeping the rest of the text", () => {
    const row = normalizeRecord({
      eventSource: "bedrock.amazonaws.com",
      eventName: "InvokeModel",
      eventID: "e-1",
      eventTime: START.toISOString(),
      awsRegion: "us-east-1",
      recipientAccountId: DEV,
      userAgent: NUL_AGENT,
      errorMessage: SURROGATE_MESSAGE,
      requestParameters: { modelId: "amazon.nova-pro-v1:0\u0000" },
    });
    expect(row?.userAgent).toBe("curl/8.0\uFFFD<script>");
    expect(row?.errorMessage).toBe("denied \uFFFD by policy");
    expect(row?.modelId).toBe("amazon.nova-pro-v1:0\uFFFD");
  });

  it("LookupEvents: the batch with them is stored whole, the hostile text replaced", async () => {
    const ing = await ingest({ source: "lookup", accountIds: [DEV], regions: ["us-east-1"] });
    expect(ing.status, JSON.stringify(ing)).toBe("succeeded");
    const rows = await query<{ user_agent: string | null; error_message: string | null }>(
      "SELECT user_agent, error_message FROM invocation_events WHERE account_id = $1",
      [DEV],
    );
    expect(rows).toHaveLength(7);
    expect(rows.map((r) => r.user_agent)).toContain("curl/8.0\uFFFD<script>");
    expect(rows.map((r) => r.error_message)).toContain("denied \uFFFD by policy");
    // The checkpoint of the account-Region moved to (or past) its newest event, the hostile one.
    const [newest] = await query<{ at: Date }>(
      "SELECT max(event_time) AS at FROM invocation_events WHERE account_id = $1 AND region = 'us-east-1'",
      [DEV],
    );
    expect(Math.abs((newest?.at.getTime() ?? 0) - (START.getTime() - 10 * 60_000))).toBeLessThan(60_000);
    const checkpoints = await query<{ id: string; position: Date | null }>(
      "SELECT id, position FROM invocation_checkpoints WHERE source = 'lookup' AND account_id = $1 AND region = 'us-east-1'",
      [DEV],
    );
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const c of checkpoints)
      expect(c.position?.getTime() ?? 0, c.id).toBeGreaterThanOrEqual(newest?.at.getTime() ?? Infinity);
  });

  it("the organization trail's files give the very same rows", async () => {
    const before = await query("SELECT * FROM invocation_events ORDER BY event_id");
    await query("TRUNCATE invocation_events");
    const ing = await ingest({
      source: "s3",
      accountIds: [DEV],
      bucket: "org-trail-hostile",
      bucketAccount: sandbox.state.trail.bucketAccount,
    });
    expect(ing.status, JSON.stringify(ing)).toBe("succeeded");
    expect(await query("SELECT * FROM invocation_events ORDER BY event_id")).toEqual(before);
    // The trail's checkpoint moved past the file holding the hostile events.
    const s3 = await query<{ last_key: string | null }>(
      "SELECT last_key FROM invocation_checkpoints WHERE source = 's3' AND id LIKE 's3:org-trail-hostile:%'",
    );
    expect(s3.length).toBeGreaterThan(0);
    for (const c of s3) expect(c.last_key).toMatch(/\.json\.gz$/);
  });
});
