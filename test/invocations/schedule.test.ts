// The scheduled invocation ingestion (INVOCATIONS_INGEST_CRON, hourly by default): before the first
// inventory sync it has nothing to read and is skipped, not retried; afterwards it ingests every
// synced account-Region through LookupEvents, or from the organization trail's bucket when one is
// configured (INVOCATIONS_TRAIL_BUCKET, INVOCATIONS_TRAIL_BUCKET_ACCOUNT).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { DEV, PROD, smallScenario } from "../sandbox/helpers.js";
import { query } from "./helpers.js";

const ctx = { principal: SYSTEM_PRINCIPAL };
const BUCKET = "org-trail-schedule-test";
let sandbox: Sandbox;
const apps: TestApp[] = [];

async function app(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({
    AWS_TARGET: "sandbox",
    SANDBOX_URL: sandbox.url,
    AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
    ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
    INVENTORY_REGIONS: "us-east-1",
    ...env,
  });
  apps.push(t);
  return t;
}

async function finished(t: TestApp, id: string) {
  for (let i = 0; i < 600; i++) {
    const ing = await t.services.invocations.getIngestion(ctx, id);
    if (ing.status !== "queued" && ing.status !== "running") return ing;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ingestion ${id} did not finish`);
}

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: smallScenario({
      cloudtrail: {
        bucket: BUCKET,
        events: [{ minutesAgo: 10, account: DEV, region: "us-east-1", modelId: "amazon.nova-lite-v1:0", count: 2 }],
      },
    }),
  });
  process.env.AWS_ACCESS_KEY_ID = sandbox.baseCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sandbox.baseCredentials.secretAccessKey;
}, 60_000);
afterAll(async () => {
  for (const t of apps) await t.close();
  await sandbox?.close();
});

describe("scheduled invocation ingestion", () => {
  it("is skipped while nothing is synced; then reads LookupEvents of every account-Region", async () => {
    const t = await app();
    expect(await t.services.invocations.startScheduledIngestion()).toBeUndefined();
    expect(await query(t, "SELECT id FROM invocation_ingestions")).toEqual([]);
    await waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "organization" })).id);
    const started = await t.services.invocations.startScheduledIngestion();
    expect(started).toMatchObject({ source: "lookup", requestedBy: SYSTEM_PRINCIPAL.id });
    const done = await finished(t, started?.id as string);
    // The small organization has one account whose role cannot be assumed: partial, the rest read.
    expect(done, JSON.stringify(done)).toMatchObject({ status: "partial", jobsFailed: 1, eventsAdded: 2 });
    const rows = await query<{ account_id: string }>(t, "SELECT account_id FROM invocation_events");
    expect(rows.filter((r) => r.account_id === DEV)).toHaveLength(2);
  }, 120_000);

  it("reads the organization trail's bucket when one is configured", async () => {
    const t = await app({
      INVOCATIONS_TRAIL_BUCKET: BUCKET,
      INVOCATIONS_TRAIL_BUCKET_ACCOUNT: sandbox.state.trail.bucketAccount,
    });
    await waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "organization" })).id);
    const started = await t.services.invocations.startScheduledIngestion();
    expect(started).toMatchObject({ source: "s3", params: expect.objectContaining({ bucket: BUCKET }) });
    expect(await finished(t, started?.id as string)).toMatchObject({ eventsAdded: 2 });
    const rows = await query<{ account_id: string }>(t, "SELECT account_id FROM invocation_events");
    expect(rows.filter((r) => r.account_id === DEV)).toHaveLength(2);
    expect(rows.filter((r) => r.account_id === PROD)).toHaveLength(0);
  }, 120_000);
});
