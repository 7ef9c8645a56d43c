// Remediation with AWS's own primitives, on the sandbox over HTTP with the real SDK clients and real
// PostgreSQL (test/fixtures/entitlements-scenario.yaml): a catalog entry's managed entitlement is
// distributed as a License Manager grant, activated and followed to ACTIVE, then deleted once no
// entry asks for it; the data-retention mode the catalog pins is set with PutAccountDataRetention;
// a Marketplace agreement is accepted only in the accounts the opting-in entry covers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { PlanChange, RemediationPlan } from "../../src/modules/remediation/remediation.types.js";
import type { TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { startEntitlementRemediationApp } from "./entitlement-app.js";

const MGMT = "100000000001";
const DEV = "200000000002";
const PROD = "300000000003";
const NOVA = "amazon.nova-pro-v1:0";
const JAMBA = "ai21.jamba-1-5-large-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";
const E1 = "us-east-1";
const W1 = "eu-west-1";
const ctx = { principal: SYSTEM_PRINCIPAL };

let t: TestApp;
let admin: string;
let licenseArn: string;

beforeAll(async () => {
  ({ t, admin, licenseArn } = await startEntitlementRemediationApp());
  await syncAll();
}, 120_000);
afterAll(async () => t?.close());

async function syncAll() {
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  await waitForSyncRun(t, run.id);
}

async function putEntry(id: string, entry: Record<string, unknown>) {
  return t.app.inject({
    method: "PUT",
    url: `/v1/catalog/entries/${id}`,
    headers: { authorization: admin },
    payload: { entry: { owner: "platform", justification: "test", ...entry }, reason: "test" },
  });
}

async function planAndApply(scope: { kind: "account"; id: string; region?: string }) {
  const plan = await t.services.remediation.createPlan(ctx, scope);
  const applied = await t.services.remediation.apply(ctx, plan.id);
  for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
  return { plan, applied };
}

async function reachability(accountId: string, model: string) {
  const res = await t.app.inject({
    url: `/v1/reachability?accountId=${accountId}&region=${E1}&model=${encodeURIComponent(model)}`,
    headers: { authorization: admin },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { status: string; paths: Array<{ kind: string; status: string; gate: string | null }> };
}

const direct = async (accountId: string, model: string) =>
  (await reachability(accountId, model)).paths.find((p) => p.kind === "direct");

const distributed = async () =>
  (await t.services.aws.account(MGMT).licenseManager().listDistributedGrants(licenseArn)).map((g) => ({
    arn: g.GrantArn,
    name: g.GrantName,
    principal: g.GranteePrincipalArn,
    status: g.GrantStatus,
  }));

const ofKind = <K extends PlanChange["kind"]>(plan: RemediationPlan, kind: K) =>
  plan.changes.filter((c): c is Extract<PlanChange, { kind: K }> => c.kind === kind);

async function converseError(accountId: string, model: string): Promise<string | undefined> {
  try {
    await t.services.aws.account(accountId).runtime(E1).converse(model, "hello");
    return undefined;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe("Marketplace agreements only where an entry opts in", () => {
  it("never plans an agreement for an account outside the opting-in entry's scope", async () => {
    expect(
      (
        await putEntry("jamba-dev", {
          model: JAMBA,
          scope: { account: DEV },
          regions: [E1],
          acceptAgreement: true,
        })
      ).statusCode,
    ).toBe(200);
    expect((await putEntry("jamba-prod", { model: JAMBA, scope: { account: PROD }, regions: [E1] })).statusCode).toBe(
      200,
    );
    await syncAll();
    const plan = await t.services.remediation.createPlan(ctx, { kind: "organization" });
    // Planned before any SCP is in place (an SCP not yet allowing Jamba would block it first).
    // Both accounts' subscriptions failed; only dev-app is covered by the entry that opts in.
    expect(ofKind(plan, "agreement_create").map((c) => [c.accountId, c.region, c.modelId])).toEqual([[DEV, E1, JAMBA]]);
    expect(plan.unresolved).toContainEqual(
      expect.objectContaining({ kind: "marketplace_permission", accountId: PROD, modelId: JAMBA }),
    );
  });
});

describe("catalog entries name a managed entitlement", () => {
  it("validates the license ARN and an exact model, naming the field; renders it back", async () => {
    const bad = await putEntry("cohere-bad", {
      model: COHERE,
      scope: { account: PROD },
      entitlement: { licenseArn: "arn:aws:s3:::not-a-license" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers["content-type"]).toContain("application/problem+json");
    expect(JSON.stringify(bad.json())).toContain("body.entry.entitlement.licenseArn");
    const pattern = await putEntry("cohere-any", {
      model: "cohere.*",
      scope: "organization",
      entitlement: { licenseArn },
    });
    expect(pattern.statusCode).toBe(422);
    expect(JSON.stringify(pattern.json())).toContain("body.entry[0].entitlement");

    const ok = await putEntry("cohere-prod", {
      model: COHERE,
      scope: { account: PROD },
      regions: [E1],
      entitlement: { licenseArn },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const got = await t.app.inject({ url: "/v1/catalog/entries/cohere-prod", headers: { authorization: admin } });
    expect(got.json()).toMatchObject({ entry: { entitlement: { licenseArn } } });
  });
});

describe("managed-entitlement grants from the management account", () => {
  it("without a grant the engine blocks the model at the entitlement gate and the sandbox refuses it", async () => {
    expect(await direct(PROD, COHERE)).toMatchObject({ status: "blocked", gate: "entitlement" });
    expect(await converseError(PROD, COHERE)).toMatch(/You don't have access to the model with the specified model ID/);
  });

  it("the plan creates and activates a grant; applied, it is ACTIVE in both accounts and the engine says usable", async () => {
    const { plan, applied } = await planAndApply({ kind: "account", id: PROD });
    expect(ofKind(plan, "license_grant_create")).toEqual([
      {
        kind: "license_grant_create",
        accountId: PROD,
        modelId: COHERE,
        licenseArn,
        managementAccountId: MGMT,
        grantName: `bedrock-governor ${COHERE} for ${PROD}`,
        entryIds: ["cohere-prod"],
      },
    ]);
    expect(applied.status, JSON.stringify(applied.results)).toBe("applied");
    const result = applied.results?.find((r) => r.kind === "license_grant_create");
    expect(result?.grantArn).toMatch(/^arn:aws:license-manager::100000000001:grant:g-/);
    expect(await distributed()).toEqual([
      {
        arn: result?.grantArn,
        name: `bedrock-governor ${COHERE} for ${PROD}`,
        principal: `arn:aws:iam::${PROD}:root`,
        status: "ACTIVE",
      },
    ]);
    const received = await t.services.aws.account(PROD).licenseManager().listReceivedGrants();
    expect(received.map((g) => [g.GrantArn, g.GrantStatus])).toEqual([[result?.grantArn, "ACTIVE"]]);
    expect(await direct(PROD, COHERE)).toMatchObject({ status: "usable" });
    expect(await converseError(PROD, COHERE)).toBeUndefined();
    // Every mutating action is audited, with the grant it made.
    const events = await t.app.inject({
      url: `/v1/audit-events?action=remediation.change&targetId=${applied.id}&limit=50`,
      headers: { authorization: admin },
    });
    const afters = (events.json() as { items: Array<{ after: Record<string, unknown> }> }).items.map((e) => e.after);
    expect(afters).toContainEqual(
      expect.objectContaining({ kind: "license_grant_create", status: "applied", grantArn: result?.grantArn }),
    );
    // Planning again finds nothing to do about the grant.
    const again = await t.services.remediation.createPlan(ctx, { kind: "account", id: PROD });
    expect(again.changes.filter((c) => c.kind.startsWith("license_grant"))).toEqual([]);
  });

  it("when no entry asks for the grant any more, the plan deletes it and the engine blocks the model again", async () => {
    const keep = await putEntry("cohere-prod", { model: COHERE, scope: { account: PROD }, regions: [E1] });
    expect(keep.statusCode, keep.body).toBe(200);
    const [live] = await distributed();
    const { plan, applied } = await planAndApply({ kind: "account", id: PROD });
    expect(ofKind(plan, "license_grant_delete")).toEqual([
      {
        kind: "license_grant_delete",
        accountId: PROD,
        licenseArn,
        managementAccountId: MGMT,
        grantArn: live?.arn,
        grantName: `bedrock-governor ${COHERE} for ${PROD}`,
      },
    ]);
    expect(applied.status, JSON.stringify(applied.results)).toBe("applied");
    expect((await distributed()).map((g) => g.status)).toEqual(["DELETED"]);
    expect(await t.services.aws.account(PROD).licenseManager().listReceivedGrants()).toEqual([]);
    // Still approved (the SCPs allow it), but no longer entitled: blocked, and refused by AWS.
    expect(await direct(PROD, COHERE)).toMatchObject({ status: "blocked", gate: "entitlement" });
    expect(await converseError(PROD, COHERE)).toMatch(/You don't have access to the model/);
  });
});

describe("data retention the catalog pins", () => {
  it("plans PutAccountDataRetention where every applying entry pins modes the account-Region is not in", async () => {
    expect(
      (
        await putEntry("nova", {
          model: NOVA,
          scope: "organization",
          retentionModes: ["provider_data_share", "default"],
        })
      ).statusCode,
    ).toBe(200);
    // prod-app has an entry that pins nothing: the mode there is left alone.
    expect((await putEntry("nova-prod", { model: NOVA, scope: { account: PROD } })).statusCode).toBe(200);
    const plan = await t.services.remediation.createPlan(ctx, { kind: "organization" });
    // The first of default, inherit, none, provider_data_share that every applying entry allows.
    expect(
      ofKind(plan, "retention_put")
        .map((c) => [c.accountId, c.region, c.before, c.mode])
        .sort(),
    ).toEqual([
      [MGMT, W1, "inherit", "default"],
      [MGMT, E1, "inherit", "default"],
      [DEV, W1, "inherit", "default"],
      [DEV, E1, "none", "default"],
    ]);
  });

  it("applied for one account-Region, GetAccountDataRetention shows the new mode", async () => {
    const bedrock = t.services.aws.account(DEV).bedrock(E1);
    expect(await bedrock.getAccountDataRetention()).toBe("none");
    const { plan, applied } = await planAndApply({ kind: "account", id: DEV, region: E1 });
    expect(ofKind(plan, "retention_put")).toEqual([
      {
        kind: "retention_put",
        accountId: DEV,
        region: E1,
        before: "none",
        mode: "default",
        entryIds: ["nova"],
      },
    ]);
    expect(applied.status, JSON.stringify(applied.results)).toBe("applied");
    expect(await bedrock.getAccountDataRetention()).toBe("default");
    expect(await t.services.aws.account(DEV).bedrock(W1).getAccountDataRetention()).toBe("inherit");
    const again = await t.services.remediation.createPlan(ctx, { kind: "account", id: DEV, region: E1 });
    expect(ofKind(again, "retention_put")).toEqual([]);
  });
});
