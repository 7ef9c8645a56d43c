// Recovery of a remediation apply whose process died, on the sandbox's demo organization (plan:
// create the catalog SCP, attach it to the root). The state a killed apply leaves — the plan
// `applying` with a lease that ran out, the journal row of the change in flight `started` — is
// written directly; what had landed in AWS is made through Organizations. The recovery reads AWS,
// adopts what landed (with the id AWS gave) or undoes what is half done, finishes the plan and
// audits each step; only one of several processes recovers a plan, a live lease is left alone, and
// a new plan for the same scope applies afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { RemediationPlan } from "../../src/modules/remediation/remediation.types.js";
import { demoScenario } from "../../src/sandbox/index.js";
import { query } from "../faults/helpers.js";
import { type SandboxApp, startSandboxApp } from "../helpers/sandbox-app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const ctx = { principal: SYSTEM_PRINCIPAL };
const CATALOG = `entries:
  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default model }
`;

let rig: SandboxApp;
const url = () => rig.t.database.url;
const org = () => rig.t.services.aws.organizations();

beforeAll(async () => {
  rig = await startSandboxApp(demoScenario(), { REMEDIATION_RECOVER_CRON: "off" });
  await rig.t.services.catalog.apply(ctx, parseCatalogDocument(CATALOG), "recovery fixture");
  await sync();
});
afterAll(async () => rig?.close());

async function sync() {
  const run = await rig.t.services.sync.requestSync(ctx, { scope: "organization" });
  await waitForSyncRun(rig.t, run.id);
}

/** A fresh plan: create the catalog SCP (index 0), attach it to the root (index 1). */
async function plan(): Promise<RemediationPlan & { name: string; root: string }> {
  const p = await rig.t.services.remediation.createPlan(ctx, { kind: "organization" });
  expect(p.changes.map((c) => c.kind)).toEqual(["scp_create", "scp_attach"]);
  const create = p.changes[0];
  if (create?.kind !== "scp_create") throw new Error("no scp_create");
  return { ...p, name: create.name, root: create.target.id };
}

/** What a process killed during the apply leaves: `applying`, its lease, and the journal so far. */
async function killedDuringApply(
  planId: string,
  journal: { index: number; kind: string; status: "started" | "applied"; ref?: string }[],
  leaseSeconds = -1,
) {
  await query(
    url(),
    `UPDATE remediation_plans SET status = 'applying', applied_by = 'test', applied_at = now(),
       lease_owner = gen_random_uuid(), lease_until = now() + make_interval(secs => $2) WHERE id = $1`,
    [planId, leaseSeconds],
  );
  for (const j of journal)
    await query(
      url(),
      `INSERT INTO remediation_plan_changes (plan_id, idx, kind, status, ref, started_at, finished_at)
       VALUES ($1, $2, $3, $4::"RemediationChangeStatus", $5, now(), CASE WHEN $4 = 'started' THEN NULL ELSE now() END)`,
      [planId, j.index, j.kind, j.status, j.ref ?? null],
    );
}

async function audit(planId: string) {
  return query<{ action: string; after: Record<string, unknown> }>(
    url(),
    "SELECT action, after FROM audit_events WHERE target_type = 'remediation_plan' AND target_id = $1 ORDER BY id",
    [planId],
  );
}

async function policyNamed(name: string) {
  return (await org().listPolicies("SERVICE_CONTROL_POLICY")).find((p) => p.Name === name);
}

describe("recovery of an interrupted remediation apply", () => {
  it("attach in flight and landed: adopted, the plan ends applied with the policy id AWS gave", async () => {
    const p = await plan();
    const made = await org().createPolicy({
      name: p.name,
      description: "made by the killed apply",
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      type: "SERVICE_CONTROL_POLICY",
    });
    const policyId = made?.PolicySummary?.Id as string;
    await org().attachPolicy(policyId, p.root);
    await killedDuringApply(p.id, [
      { index: 0, kind: "scp_create", status: "applied", ref: policyId },
      { index: 1, kind: "scp_attach", status: "started" },
    ]);

    expect(await rig.t.services.remediationRecovery.recoverAbandoned()).toEqual([{ planId: p.id, status: "applied" }]);
    const after = await rig.t.services.remediation.get(ctx, p.id);
    expect(after.status).toBe("applied");
    expect(after.results).toEqual([
      { index: 0, kind: "scp_create", status: "applied", policyId },
      { index: 1, kind: "scp_attach", status: "applied", policyId, recovered: true },
    ]);
    const events = await audit(p.id);
    expect(events.at(-2)).toMatchObject({
      action: "remediation.change",
      after: { index: 1, status: "applied", recovered: true, ref: policyId },
    });
    expect(events.at(-1)).toMatchObject({
      action: "remediation.apply",
      after: { status: "applied", recovered: true, applied: 2 },
    });
    const lease = await query<{ lease_owner: string | null }>(
      url(),
      "SELECT lease_owner FROM remediation_plans WHERE id = $1",
      [p.id],
    );
    expect(lease[0]?.lease_owner).toBeNull();

    // Put the organization back as it was (for the next cases), and the inventory with it.
    for (const runId of after.syncRunIds) await waitForSyncRun(rig.t, runId);
    await org().detachPolicy(policyId, p.root);
    await org().deletePolicy(policyId);
    await sync();
  });

  it("a live lease is left alone; of two processes recovering at once, one takes the plan", async () => {
    const p = await plan();
    await killedDuringApply(p.id, [{ index: 0, kind: "scp_create", status: "started" }], 60);
    expect(await rig.t.services.remediationRecovery.recoverAbandoned()).toEqual([]);
    expect((await rig.t.services.remediation.get(ctx, p.id)).status).toBe("applying");

    await query(url(), "UPDATE remediation_plans SET lease_until = now() - interval '1 second' WHERE id = $1", [p.id]);
    const [a, b] = await Promise.all([
      rig.t.services.remediationRecovery.recoverAbandoned(),
      rig.t.services.remediationRecovery.recoverAbandoned(),
    ]);
    // The create had not landed: nothing of the plan is in AWS.
    expect([...(a ?? []), ...(b ?? [])]).toEqual([{ planId: p.id, status: "rolled_back" }]);
    const after = await rig.t.services.remediation.get(ctx, p.id);
    expect(after.results).toEqual([
      { index: 0, kind: "scp_create", status: "not_applied", recovered: true },
      { index: 1, kind: "scp_attach", status: "skipped" },
    ]);
    expect(await policyNamed(p.name)).toBeUndefined();
    const changes = (await audit(p.id)).filter((e) => e.action === "remediation.change");
    expect(changes).toEqual([
      expect.objectContaining({ after: expect.objectContaining({ index: 0, status: "not_applied", recovered: true }) }),
    ]);
  });

  it("create in flight and landed, attach never started: adopted, then undone; the plan is rolled back", async () => {
    const p = await plan();
    await killedDuringApply(p.id, [{ index: 0, kind: "scp_create", status: "started" }]);
    const made = await org().createPolicy({
      name: p.name,
      description: "made by the killed apply",
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      type: "SERVICE_CONTROL_POLICY",
    });
    const policyId = made?.PolicySummary?.Id as string;

    expect(await rig.t.services.remediationRecovery.recoverAbandoned()).toEqual([
      { planId: p.id, status: "rolled_back" },
    ]);
    expect(await policyNamed(p.name)).toBeUndefined();
    const after = await rig.t.services.remediation.get(ctx, p.id);
    expect(after.status).toBe("rolled_back");
    expect(after.results).toEqual([
      { index: 0, kind: "scp_create", status: "rolled_back", policyId, recovered: true },
      { index: 1, kind: "scp_attach", status: "skipped" },
    ]);
    // Every AWS change has its audit event: the create (adopted with AWS's id) and its deletion.
    const changes = (await audit(p.id)).filter((e) => e.action === "remediation.change").map((e) => e.after);
    expect(changes).toEqual([
      expect.objectContaining({ index: 0, status: "applied", recovered: true, ref: policyId }),
      expect.objectContaining({ index: 0, status: "rolled_back", recovered: true, ref: policyId }),
    ]);
    expect((await audit(p.id)).at(-1)).toMatchObject({
      action: "remediation.apply",
      after: { status: "rolled_back", recovered: true, rolledBack: 1, skipped: 1 },
    });
  });

  it("afterwards a new plan for the same scope applies, journalling each change before and after it", async () => {
    const p = await plan();
    const admin = await rig.t.keyFor("admin");
    const res = await rig.t.app.inject({
      method: "POST",
      url: `/v1/remediation-plans/${p.id}/apply`,
      headers: { authorization: admin },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as RemediationPlan).status).toBe("applied");
    const journal = await query<{ idx: number; status: string; ref: string | null; finished: boolean }>(
      url(),
      "SELECT idx, status, ref, finished_at IS NOT NULL AS finished FROM remediation_plan_changes WHERE plan_id = $1 ORDER BY idx",
      [p.id],
    );
    const policyId = (await policyNamed(p.name))?.Id;
    expect(journal).toEqual([
      { idx: 0, status: "applied", ref: policyId, finished: true },
      { idx: 1, status: "applied", ref: policyId, finished: true },
    ]);
    // Intent before each change, outcome after it.
    const actions = (await audit(p.id)).map((e) => `${e.action}:${e.after.index ?? ""}`);
    expect(actions.filter((a) => a.startsWith("remediation.intent") || a.startsWith("remediation.change:"))).toEqual([
      "remediation.intent:0",
      "remediation.change:0",
      "remediation.intent:1",
      "remediation.change:1",
    ]);
  });
});
