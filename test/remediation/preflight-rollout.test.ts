// Pre-flight and staged rollout of remediation plans, on the drift sandbox organization:
// - a rollout that goes well: the Prod OU's new catalog SCP first, re-synced and checked, then the
//   root's;
// - a plan whose SCPs would block approved use is refused (409 PLAN_WOULD_BLOCK naming account,
//   Region, model, path and the denying SCP); here an operator had attached Prod's catalog SCP to
//   dev-app by hand, so narrowing Prod narrows dev-app too. Forced with a reason it applies, and the
//   audit log holds the override;
// - a rollout whose first OU breaks something: another team attached a deny to the Prod OU after
//   the last sync, so the stored inventory (and pre-flight) cannot see it; the re-sync after the
//   first stage does, and the rest of the plan is not applied;
// - a rollout whose first target is an account (not an OU).
// DeepSeek is approved on bedrock-mantle as well as bedrock-runtime (the scenario serves it there as
// `deepseek.r1`), so the blocked paths include bedrock-mantle's.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { Breakage, RemediationPlan } from "../../src/modules/remediation/remediation.types.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const DEV = "300000000003";
const PROD = "200000000002";
const LOST = "400000000004";
const ROOT = "r-dr01";
const PROD_OU = "ou-dr01-prod0001";
const NOVA = "amazon.nova-pro-v1:0";
const DEEPSEEK = "deepseek.r1-v1:0";
const E1 = "us-east-1";
const W1 = "eu-west-1";
const PROD_SCP = `bedrock-governor-catalog-${PROD_OU}`;
const ROOT_SCP = `bedrock-governor-catalog-${ROOT}`;

const entry = (id: string, model: string, scope: string, extra = "") =>
  `  - { id: ${id}, model: ${model}, scope: ${scope}, ${extra}owner: platform, justification: test }\n`;
const MANTLE = "endpoints: [runtime, mantle], ";
const NOVA_ORG = entry("nova", NOVA, "organization");
const META_DEV = entry("meta-dev", "meta.llama3-1-70b-instruct-v1:0", "{ ou: ou-dr01-dev00001 }");
// C1: DeepSeek everywhere (runtime and mantle); Meta for Dev. Prod's allowed set differs from the
// root's: Prod gets its own SCP.
const C1 = `entries:\n${NOVA_ORG}${entry("deepseek", DEEPSEEK, "organization", MANTLE)}${META_DEV}`;
// C2: DeepSeek for Dev only: Prod's SCP narrows (and with it dev-app, where it is attached by hand).
const C2 = `entries:\n${NOVA_ORG}${entry("deepseek-dev", DEEPSEEK, "{ ou: ou-dr01-dev00001 }", MANTLE)}${META_DEV}`;
// C3: Cohere for Prod: Prod's SCP and the root's widen.
const C3 = `${C2}${entry("cohere-prod", "cohere.command-r-plus-v1:0", `{ ou: ${PROD_OU} }`)}`;

let t: TestApp;
let admin: string;
const ctx = { principal: SYSTEM_PRINCIPAL };

async function post(url: string, payload?: Record<string, unknown>) {
  return t.app.inject({
    method: "POST",
    url,
    headers: { authorization: admin },
    ...(payload !== undefined ? { payload } : {}),
  });
}

async function livePolicies() {
  const org = t.services.aws.organizations();
  const summaries = await org.listPolicies("SERVICE_CONTROL_POLICY");
  return Promise.all(
    summaries.map(async (p) => ({
      id: p.Id as string,
      name: p.Name as string,
      content: (await org.describePolicy(p.Id as string))?.Content ?? "",
      targets: (await org.listTargetsForPolicy(p.Id as string)).map((x) => x.TargetId as string).sort(),
    })),
  );
}

async function syncAll() {
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  await waitForSyncRun(t, run.id);
}

async function plan(): Promise<RemediationPlan> {
  const res = await post("/v1/remediation-plans", { scope: { kind: "organization" } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as RemediationPlan;
}

const where = (b: Pick<Breakage, "accountId" | "region" | "modelId" | "path" | "gate">) =>
  `${b.accountId} ${b.region} ${b.modelId} ${b.path} ${b.gate}`;

beforeAll(async () => {
  // The drift organization, with DeepSeek also served by bedrock-mantle.
  const drift = readFileSync(new URL("../fixtures/drift-scenario.yaml", import.meta.url), "utf8");
  const withMantle = drift.replace(
    "{ id: deepseek.r1-v1:0, name: DeepSeek-R1, provider: DeepSeek }",
    "{ id: deepseek.r1-v1:0, name: DeepSeek-R1, provider: DeepSeek, mantleId: deepseek.r1 }",
  );
  expect(withMantle).not.toBe(drift);
  const scenario = join(mkdtempSync(join(tmpdir(), "preflight-rollout-")), "drift-mantle.yaml");
  writeFileSync(scenario, withMantle);
  t = await startTestApp({ SANDBOX_SCENARIO: scenario });
  admin = await t.keyFor("admin");
  await t.services.catalog.apply(ctx, parseCatalogDocument(C1), "preflight fixture");
  await syncAll();
  await t.services.reconcile.reconcileNow(ctx);
});
afterAll(async () => t?.close());

describe("remediation pre-flight and staged rollout", () => {
  it("a staged rollout applies the Prod OU first, verifies it by a re-sync, then the rest", async () => {
    const p = await plan();
    const firstChanges = p.changes.flatMap((c, i) => ("target" in c && c.target.id === PROD_OU ? [i] : []));
    expect(p.changes.map((c) => `${c.kind} ${"target" in c ? c.target.id : ""}`)).toEqual([
      `scp_create ${PROD_OU}`,
      `scp_attach ${PROD_OU}`,
      `scp_create ${ROOT}`,
      `scp_attach ${ROOT}`,
    ]);
    const res = await post(`/v1/remediation-plans/${p.id}/apply`, { rollout: { first: PROD_OU } });
    expect(res.statusCode, res.body).toBe(200);
    const applied = res.json() as RemediationPlan;
    expect(applied.status).toBe("applied");
    expect(applied.results?.map((r) => r.status)).toEqual(["applied", "applied", "applied", "applied"]);
    expect(applied.rollout).toMatchObject({ first: PROD_OU, firstChanges, status: "verified", breakages: [] });
    expect(applied.rollout?.syncRunIds.length).toBeGreaterThan(0);
    // The first stage's sync run finished before the rest was applied.
    for (const id of applied.rollout?.syncRunIds ?? [])
      expect((await t.services.sync.getRun(ctx, id)).status).toMatch(/succeeded|partial/);
    const managed = (await livePolicies()).filter((x) => x.name.startsWith("bedrock-governor-catalog-"));
    expect(managed.map((x) => `${x.name} ${x.targets.join(",")}`).sort()).toEqual([
      `${PROD_SCP} ${PROD_OU}`,
      `${ROOT_SCP} ${ROOT}`,
    ]);
    for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
  });

  it("refuses a plan that would block an approved model with 409 naming model, account, Region, path and SCP", async () => {
    // An operator copies Prod's guardrail onto dev-app by hand; the next sync sees it.
    const prodScp = (await livePolicies()).find((x) => x.name === PROD_SCP);
    if (!prodScp) throw new Error("Prod's catalog SCP is missing");
    await t.services.aws.organizations().attachPolicy(prodScp.id, DEV);
    await syncAll();
    await t.services.catalog.apply(ctx, parseCatalogDocument(C2), "DeepSeek for Dev only");
    const p = await plan();
    expect(p.changes.some((c) => c.kind === "scp_update" && c.policyId === prodScp.id)).toBe(true);

    const before = await livePolicies();
    const res = await post(`/v1/remediation-plans/${p.id}/apply`);
    expect(res.statusCode, res.body).toBe(409);
    const problem = res.json() as { code: string; detail: string; breakages: Breakage[] };
    expect(problem.code).toBe("PLAN_WOULD_BLOCK");
    expect(problem.breakages.map(where).sort()).toEqual([
      `${DEV} ${W1} ${DEEPSEEK} direct org_policy`,
      `${DEV} ${W1} ${DEEPSEEK} mantle org_policy`,
      `${DEV} ${E1} ${DEEPSEEK} direct org_policy`,
      `${DEV} ${E1} ${DEEPSEEK} mantle org_policy`,
    ]);
    for (const b of problem.breakages)
      expect(b.policies).toEqual([expect.objectContaining({ policyId: prodScp.id, name: PROD_SCP })]);
    expect(problem.detail).toContain(`${DEEPSEEK} in account ${DEV} ${E1} via direct`);
    expect(await livePolicies()).toEqual(before);
    expect((await t.services.remediation.get(ctx, p.id)).status).toBe("planned");

    // Forcing needs a reason.
    for (const payload of [{ force: true }, { force: true, reason: "" }, { force: true, reason: "   " }]) {
      const bad = await post(`/v1/remediation-plans/${p.id}/apply`, payload);
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(JSON.stringify(bad.json().errors)).toContain("body.reason");
    }
    expect(await livePolicies()).toEqual(before);

    const reason = "dev-app moves off DeepSeek this week (CHG-1234)";
    const forced = await post(`/v1/remediation-plans/${p.id}/apply`, { force: true, reason });
    expect(forced.statusCode, forced.body).toBe(200);
    const applied = forced.json() as RemediationPlan;
    expect(applied.status).toBe("applied");
    expect(applied.override?.reason).toBe(reason);
    expect(applied.override?.breakages.map(where).sort()).toEqual(problem.breakages.map(where).sort());
    const after = (await livePolicies()).find((x) => x.id === prodScp.id);
    expect(after?.content).not.toEqual(prodScp.content);

    const audit = await t.services.audit.list(ctx, { targetId: p.id }, { limit: 100 });
    const claim = audit.items.find(
      (e) => e.action === "remediation.apply" && (e.after as { status?: string }).status === "applying",
    );
    expect(claim?.after).toMatchObject({ forced: { reason, breakages: problem.breakages } });
    for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
  });

  it("a staged rollout stops after the first OU when its re-sync shows an approved model blocked", async () => {
    await t.services.catalog.apply(ctx, parseCatalogDocument(C3), "Cohere for Prod");
    // Another team denies Nova in Prod after the last sync: the stored inventory does not know.
    const org = t.services.aws.organizations();
    const foreign = await org.createPolicy({
      name: "DenyNovaInProd",
      description: "security team",
      content: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "NoNovaProd",
            Effect: "Deny",
            Action: "bedrock:InvokeModel*",
            Resource: "arn:aws:bedrock:*::foundation-model/amazon.nova-*",
          },
        ],
      }),
      type: "SERVICE_CONTROL_POLICY",
    });
    const foreignId = foreign?.PolicySummary?.Id as string;
    const p = await plan();
    const firstChanges = p.changes.flatMap((c, i) => ("target" in c && c.target.id === PROD_OU ? [i] : []));
    const rest = p.changes.flatMap((_c, i) => (firstChanges.includes(i) ? [] : [i]));
    expect(firstChanges.length).toBeGreaterThan(0);
    expect(rest.length).toBeGreaterThan(0);
    await org.attachPolicy(foreignId, PROD_OU);
    const rootBefore = (await livePolicies()).find((x) => x.name === ROOT_SCP);

    const res = await post(`/v1/remediation-plans/${p.id}/apply`, { rollout: { first: PROD_OU } });
    expect(res.statusCode, res.body).toBe(200);
    const stopped = res.json() as RemediationPlan;
    expect(stopped.status).toBe("failed");
    expect(stopped.rollout?.status).toBe("stopped");
    expect(stopped.rollout?.firstChanges).toEqual(firstChanges);
    expect(stopped.rollout?.breakages.map(where).sort()).toEqual([
      `${PROD} ${W1} ${NOVA} direct org_policy`,
      `${PROD} ${E1} ${NOVA} direct org_policy`,
    ]);
    for (const b of stopped.rollout?.breakages ?? [])
      expect(b.policies).toEqual([{ policyId: foreignId, name: "DenyNovaInProd", sid: "NoNovaProd" }]);
    expect(stopped.rollout?.message).toContain("the rest was not applied");
    // Exactly the first stage was applied: the plan's results say so, and AWS agrees.
    expect(stopped.results?.map((r) => r.status)).toEqual(
      p.changes.map((_, i) => (firstChanges.includes(i) ? "applied" : "skipped")),
    );
    const live = await livePolicies();
    expect(live.find((x) => x.name === ROOT_SCP)?.content).toBe(rootBefore?.content);
    expect(live.find((x) => x.name === PROD_SCP)?.content).toContain("cohere.command-r-plus-v1:0");

    const audit = await t.services.audit.list(ctx, { targetId: p.id }, { limit: 100 });
    expect(audit.items.filter((e) => e.action === "remediation.change").length).toBe(firstChanges.length);
    expect(audit.items.find((e) => e.action === "remediation.rollout")?.after).toMatchObject({ status: "stopped" });
    // The reconciliation of the first OU reports the block as a finding.
    const findings = await t.services.reconcile.list(ctx, { status: "open" }, { limit: 200 });
    expect(
      findings.items.some(
        (f) =>
          f.type === "APPROVED_MODEL_BLOCKED" && f.accountId === PROD && f.modelId === NOVA && f.gate === "org_policy",
      ),
    ).toBe(true);
  });

  it("refuses a rollout whose first target is unknown or holds no change of the plan", async () => {
    const p = await plan();
    for (const first of ["ou-dr01-nope0001", ROOT]) {
      const res = await post(`/v1/remediation-plans/${p.id}/apply`, { rollout: { first } });
      expect(res.statusCode, res.body).toBe(422);
      expect(JSON.stringify(res.json().errors)).toContain("body.rollout.first");
    }
    expect((await t.services.remediation.get(ctx, p.id)).status).toBe("planned");
  });

  it("a staged rollout can start with an account: dev-app's own SCP first, then the rest", async () => {
    // The security team's deny from the previous case is gone again.
    const org = t.services.aws.organizations();
    const foreign = (await livePolicies()).find((x) => x.name === "DenyNovaInProd");
    if (foreign) await org.detachPolicy(foreign.id, PROD_OU);
    await syncAll();
    // Cohere for lost-app alone: the Dev OU's allowed set widens and dev-app's does not, so
    // dev-app (an account) carries an SCP of its own.
    await t.services.catalog.apply(
      ctx,
      parseCatalogDocument(`${C3}${entry("cohere-lost", "cohere.command-r-plus-v1:0", `{ account: "${LOST}" }`)}`),
      "Cohere for lost-app",
    );
    const p = await plan();
    const firstChanges = p.changes.flatMap((c, i) => ("target" in c && c.target.id === DEV ? [i] : []));
    expect(p.changes.filter((c) => "target" in c && c.target.id === DEV).map((c) => c.kind)).toEqual(
      expect.arrayContaining(["scp_create", "scp_attach"]),
    );
    expect(firstChanges.length).toBeLessThan(p.changes.length);
    const res = await post(`/v1/remediation-plans/${p.id}/apply`, { rollout: { first: DEV } });
    expect(res.statusCode, res.body).toBe(200);
    const applied = res.json() as RemediationPlan;
    expect(applied.status).toBe("applied");
    expect(applied.rollout).toMatchObject({ first: DEV, firstChanges, status: "verified", breakages: [] });
    expect(applied.results?.every((r) => r.status === "applied")).toBe(true);
    const own = (await livePolicies()).find((x) => x.name === `bedrock-governor-catalog-${DEV}`);
    expect(own?.targets).toEqual([DEV]);
    expect(own?.content).not.toContain("cohere.");
    for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
  });
});
