// Reconciliation over the demo sandbox through the API: a sync queues a reconciliation by itself,
// findings are listed with filters and pages, suppressed with an audit event, and follow a catalog
// change by themselves (the apply queues a reconciliation).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { syncOrganization } from "../helpers/sync.js";

let t: TestApp;
let viewer: string;
let admin: string;
const ACCOUNT = DEMO_ACCOUNTS.nonprodSearch;

interface FindingView {
  id: string;
  key: string;
  type: string;
  status: string;
  accountId: string;
  region: string | null;
  modelId: string | null;
  firstSeenAt: string;
}
interface Page {
  items: FindingView[];
  nextCursor?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.keyFor("viewer");
  admin = await t.keyFor("admin");
  await syncOrganization(t);
});
afterAll(async () => t?.close());

const get = async (url: string): Promise<Page> => {
  const res = await t.app.inject({ url, headers: { authorization: viewer } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Page;
};

describe("findings API", () => {
  it("a finished sync is followed by a reconciliation: with an empty catalog every usable model is unapproved", async () => {
    let page: Page = { items: [] };
    for (let i = 0; i < 300 && page.items.length === 0; i++) {
      page = await get("/v1/findings?type=UNAPPROVED_MODEL_ACCESSIBLE&limit=5");
      if (page.items.length === 0) await sleep(100);
    }
    expect(page.items.length).toBe(5);
    expect(page.nextCursor).toBeDefined();
    const next = await get(`/v1/findings?type=UNAPPROVED_MODEL_ACCESSIBLE&limit=5&cursor=${page.nextCursor}`);
    const ids = [...page.items, ...next.items].map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("suppresses a finding with reason and expiry, audited; viewers cannot", async () => {
    const [target] = (await get(`/v1/findings?accountId=${ACCOUNT}&status=open&limit=1`)).items;
    if (!target) throw new Error("no finding to suppress");
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const body = { reason: "sandbox experiments", until };
    const denied = await t.app.inject({
      method: "POST",
      url: `/v1/findings/${target.id}/suppress`,
      headers: { authorization: viewer },
      payload: body,
    });
    expect(denied.statusCode).toBe(403);
    const res = await t.app.inject({
      method: "POST",
      url: `/v1/findings/${target.id}/suppress`,
      headers: { authorization: admin },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: "suppressed",
      suppressedReason: "sandbox experiments",
      suppressedUntil: until,
    });
    const audit = await t.app.inject({
      url: `/v1/audit-events?action=finding.suppress&targetId=${target.id}`,
      headers: { authorization: admin },
    });
    expect((audit.json() as { items: unknown[] }).items).toHaveLength(1);
    const missing = await t.app.inject({
      method: "POST",
      url: "/v1/findings/999999999/suppress",
      headers: { authorization: admin },
      payload: body,
    });
    expect(missing.statusCode).toBe(404);
  });

  it("a catalog apply is followed by a reconciliation by itself: findings the catalog now approves resolve", async () => {
    const before = await get(
      `/v1/findings?accountId=${ACCOUNT}&type=UNAPPROVED_MODEL_ACCESSIBLE&status=open&limit=200`,
    );
    const nova = before.items.find((f) => f.modelId?.startsWith("amazon.nova-"));
    if (!nova) throw new Error(`no unapproved Nova finding: ${before.items.map((f) => f.key).join(", ")}`);
    const changeSetId = await applyCatalog(NOVA_CATALOG, "approve Nova");
    // No call to reconcile: the queued reconciliation resolves the finding.
    const resolved = await until(
      () => get(`/v1/findings?accountId=${ACCOUNT}&status=resolved&limit=200`),
      (p) => p.items.some((f) => f.key === nova.key),
    );
    expect(resolved.items.map((f) => f.key)).toContain(nova.key);
    const after = await get(`/v1/findings?accountId=${ACCOUNT}&type=UNAPPROVED_MODEL_ACCESSIBLE&status=open&limit=200`);
    expect(after.items.filter((f) => f.modelId?.startsWith("amazon.nova-"))).toEqual([]);
    expect(await until(async () => reconciledAfter(changeSetId), Boolean)).toBe(true);
  });

  it("a catalog apply that removes the approval of a model in use reopens its findings, without a manual reconcile", async () => {
    const changeSetId = await applyCatalog("entries: []\n", "withdraw Nova");
    const open = await until(
      () => get(`/v1/findings?accountId=${ACCOUNT}&type=UNAPPROVED_MODEL_ACCESSIBLE&status=open&limit=200`),
      (p) => p.items.some((f) => f.modelId?.startsWith("amazon.nova-")),
    );
    expect(open.items.filter((f) => f.modelId?.startsWith("amazon.nova-")).length).toBeGreaterThan(0);
    expect(await until(async () => reconciledAfter(changeSetId), Boolean)).toBe(true);
  });

  it("a catalog apply from the CLI is followed by a reconciliation too: no manual reconcile", async () => {
    const before = await get(
      `/v1/findings?accountId=${ACCOUNT}&type=UNAPPROVED_MODEL_ACCESSIBLE&status=open&limit=200`,
    );
    const nova = before.items.find((f) => f.modelId?.startsWith("amazon.nova-"));
    if (!nova) throw new Error(`no open Nova finding: ${before.items.map((f) => f.key).join(", ")}`);
    const dir = mkdtempSync(path.join(tmpdir(), "findings-cli-"));
    try {
      const file = path.join(dir, "catalog.yaml");
      writeFileSync(file, NOVA_CATALOG);
      // Another process (the operator's shell) changes the catalog; this app's worker reconciles.
      const applied = await runCli(["catalog", "apply", "-f", file, "--reason", "approve Nova from the CLI"], {
        DATABASE_URL: t.database.url,
        LOG_LEVEL: "error",
        SYNC_CRON: "off",
        INVOCATIONS_INGEST_CRON: "off",
      });
      expect(applied.code, applied.stderr).toBe(0);
      const changeSetId = /applied as change set (\S+)/.exec(applied.stdout)?.[1];
      expect(changeSetId, applied.stdout).toBeDefined();
      const resolved = await until(
        () => get(`/v1/findings?accountId=${ACCOUNT}&status=resolved&limit=200`),
        (p) => p.items.some((f) => f.key === nova.key),
      );
      expect(resolved.items.map((f) => f.key)).toContain(nova.key);
      expect(await until(async () => reconciledAfter(changeSetId as string), Boolean)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

const NOVA_CATALOG = `entries:
  - id: nova
    model: amazon.nova-*
    scope: organization
    owner: platform
    justification: default models
`;

/** Applies a catalog document through the API (as an admin); returns its change set id. */
async function applyCatalog(document: string, reason: string): Promise<string> {
  const res = await t.app.inject({
    method: "POST",
    url: "/v1/catalog/apply",
    headers: { authorization: admin },
    payload: { document, reason },
  });
  expect(res.statusCode, res.body).toBe(200);
  const { changeSetId } = res.json() as { changeSetId: string | null };
  if (!changeSetId) throw new Error("nothing applied");
  return changeSetId;
}

/** Polls `read` until `done` holds (up to 30 s); returns the last answer. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let v = await read();
  for (let i = 0; i < 300 && !done(v); i++) {
    await sleep(100);
    v = await read();
  }
  return v;
}

/** A reconciliation ran for the job the change set queued (its log line names the change set). */
function reconciledAfter(changeSetId: string): boolean {
  return t.logs.json().some((l) => l.msg === "reconciliation applied" && l.catalogChangeSetId === changeSetId);
}
