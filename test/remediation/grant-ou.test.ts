// Managed-entitlement grants to an OU, on the sandbox over HTTP with the real License Manager and
// Organizations clients and real PostgreSQL (test/fixtures/entitlements-scenario.yaml: dev-app sits
// in Workloads, prod-app in Workloads/Prod). A catalog entry scoped to an OU is served by ONE grant
// whose principal is the OU's ARN ("An organizational unit (OU), which includes all accounts in the
// OU" [doc AWS License Manager API Reference "CreateGrant"]), never by one grant per account: every
// member account receives it (ListReceivedGrants shows a child grant of its own), the engine says
// usable in each, a per-account grant the OU grant now covers is deleted, and deleting the OU grant
// when no entry asks for it blocks them all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import type { PlanChange, PlanScope, RemediationPlan } from "../../src/modules/remediation/remediation.types.js";
import type { TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";
import { COHERE } from "../requests/entitlement-helpers.js";
import { DEV, E1, MGMT, PROD, WORKLOADS_OU as WORKLOADS } from "../requests/helpers.js";
import { startEntitlementRemediationApp } from "./entitlement-app.js";

const OU_ARN = `arn:aws:organizations::${MGMT}:ou/o-entitle0001/${WORKLOADS}`;
const ctx = { principal: SYSTEM_PRINCIPAL };

let t: TestApp;
let admin: string;
let licenseArn: string;

beforeAll(async () => {
  ({ t, admin, licenseArn } = await startEntitlementRemediationApp());
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  await waitForSyncRun(t, run.id);
}, 120_000);
afterAll(async () => t?.close());

async function putEntry(id: string, entry: Record<string, unknown>) {
  const res = await t.app.inject({
    method: "PUT",
    url: `/v1/catalog/entries/${id}`,
    headers: { authorization: admin },
    payload: { entry: { owner: "platform", justification: "test", model: COHERE, ...entry }, reason: "test" },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function planAndApply(scope: PlanScope) {
  const plan = await t.services.remediation.createPlan(ctx, scope);
  const applied = await t.services.remediation.apply(ctx, plan.id);
  expect(applied.status, JSON.stringify(applied.results)).toBe("applied");
  for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
  return { plan, applied };
}

const grantChanges = (plan: RemediationPlan) => plan.changes.filter((c) => c.kind.startsWith("license_grant"));
const ofKind = <K extends PlanChange["kind"]>(plan: RemediationPlan, kind: K) =>
  plan.changes.filter((c): c is Extract<PlanChange, { kind: K }> => c.kind === kind);

const distributed = async () =>
  (await t.services.aws.account(MGMT).licenseManager().listDistributedGrants(licenseArn)).map((g) => ({
    arn: g.GrantArn,
    principal: g.GranteePrincipalArn,
    status: g.GrantStatus,
  }));

const received = async (accountId: string) =>
  (await t.services.aws.account(accountId).licenseManager().listReceivedGrants()).map((g) => ({
    parent: g.ParentArn,
    principal: g.GranteePrincipalArn,
    status: g.GrantStatus,
  }));

async function direct(accountId: string) {
  const res = await t.app.inject({
    url: `/v1/reachability?accountId=${accountId}&region=${E1}&model=${encodeURIComponent(COHERE)}`,
    headers: { authorization: admin },
  });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { paths: Array<{ kind: string; status: string; gate: string | null }> }).paths.find(
    (p) => p.kind === "direct",
  );
}

async function converseError(accountId: string): Promise<string | undefined> {
  try {
    await t.services.aws.account(accountId).runtime(E1).converse(COHERE, "hello");
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("a managed entitlement distributed to an OU", () => {
  let prodGrant: string | undefined;
  let ouGrant: string | undefined;

  it("an account-scoped entry gets prod-app a grant of its own", async () => {
    await putEntry("cohere-prod", { scope: { account: PROD }, regions: [E1], entitlement: { licenseArn } });
    const { applied } = await planAndApply({ kind: "account", id: PROD });
    prodGrant = applied.results?.find((r) => r.kind === "license_grant_create")?.grantArn;
    expect(await distributed()).toEqual([{ arn: prodGrant, principal: `arn:aws:iam::${PROD}:root`, status: "ACTIVE" }]);
    expect(await direct(DEV)).toMatchObject({ status: "blocked" });
  });

  it("an OU-scoped entry is served by one grant to the OU, and the per-account grant it covers is deleted", async () => {
    await putEntry("cohere-workloads", { scope: { ou: WORKLOADS }, entitlement: { licenseArn } });
    const { plan, applied } = await planAndApply({ kind: "ou", id: WORKLOADS });
    expect(grantChanges(plan)).toEqual([
      {
        kind: "license_grant_create",
        scope: { kind: "ou", id: WORKLOADS },
        modelId: COHERE,
        licenseArn,
        managementAccountId: MGMT,
        grantName: `bedrock-governor ${COHERE} for ${WORKLOADS}`,
        entryIds: ["cohere-workloads"],
      },
      {
        kind: "license_grant_delete",
        accountId: PROD,
        licenseArn,
        managementAccountId: MGMT,
        grantArn: prodGrant,
        grantName: `bedrock-governor ${COHERE} for ${PROD}`,
      },
    ]);
    ouGrant = applied.results?.find((r) => r.kind === "license_grant_create")?.grantArn;
    expect(ouGrant).toMatch(/^arn:aws:license-manager::100000000001:grant:g-/);
    // The parent grant is distributed (its members' child grants carry their status).
    expect(await distributed()).toEqual(
      expect.arrayContaining([
        { arn: ouGrant, principal: OU_ARN, status: "WORKFLOW_COMPLETED" },
        { arn: prodGrant, principal: `arn:aws:iam::${PROD}:root`, status: "DELETED" },
      ]),
    );
    // The verifying sync is the OU's: it covers both members.
    expect(applied.syncRunIds).toHaveLength(1);
  });

  it("every account in the OU (and below it) receives the grant ACTIVE; the engine says usable in each", async () => {
    for (const account of [DEV, PROD]) {
      expect(await received(account)).toEqual([
        { parent: ouGrant, principal: `arn:aws:iam::${account}:root`, status: "ACTIVE" },
      ]);
      expect(await direct(account)).toMatchObject({ status: "usable" });
      expect(await converseError(account)).toBeUndefined();
    }
    // The management account holds the license itself: it receives nothing.
    expect(await received(MGMT)).toEqual([]);
    // Planning again, for the OU or for one of its accounts, asks for no grant at all.
    expect(grantChanges(await t.services.remediation.createPlan(ctx, { kind: "ou", id: WORKLOADS }))).toEqual([]);
    expect(grantChanges(await t.services.remediation.createPlan(ctx, { kind: "account", id: DEV }))).toEqual([]);
  });

  it("when no entry asks for it, the OU grant is deleted: every member loses it and the engine blocks them all", async () => {
    await putEntry("cohere-workloads", { scope: { ou: WORKLOADS } });
    await putEntry("cohere-prod", { scope: { account: PROD }, regions: [E1] });
    const { plan } = await planAndApply({ kind: "ou", id: WORKLOADS });
    expect(ofKind(plan, "license_grant_delete")).toEqual([
      {
        kind: "license_grant_delete",
        scope: { kind: "ou", id: WORKLOADS },
        licenseArn,
        managementAccountId: MGMT,
        grantArn: ouGrant,
        grantName: `bedrock-governor ${COHERE} for ${WORKLOADS}`,
      },
    ]);
    expect(ofKind(plan, "license_grant_create")).toEqual([]);
    for (const account of [DEV, PROD]) {
      expect(await received(account)).toEqual([]);
      expect(await direct(account)).toMatchObject({ status: "blocked", gate: "entitlement" });
      expect(await converseError(account)).toMatch(/don't have access/);
    }
  });
});
