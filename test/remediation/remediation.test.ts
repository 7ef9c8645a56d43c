// Plan and apply against a fixed sandbox organization with known drift (test/fixtures/
// drift-scenario.yaml): reconciliation finds exactly the expected findings; the plan lists exactly
// the expected AWS changes and what it cannot do; applying it changes the sandbox; the verifying
// sync and the next reconciliation leave open only what the plan said it could not fix. A plan made
// stale by a later catalog change, or by an SCP edited behind the inventory's back, is refused with
// 409 and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { Finding } from "../../src/modules/reconcile/reconcile.types.js";
import type { RemediationPlan } from "../../src/modules/remediation/remediation.types.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const MGMT = "100000000001";
const PROD = "200000000002";
const DEV = "300000000003";
const LOST = "400000000004";
const NOVA = "amazon.nova-pro-v1:0";
const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";
const META = "meta.llama3-1-70b-instruct-v1:0";
const DEEPSEEK = "deepseek.r1-v1:0";
const E1 = "us-east-1";
const W1 = "eu-west-1";

const CATALOG = `entries:
  - { id: nova, model: ${NOVA}, scope: organization, owner: platform, justification: default model }
  - { id: claude, model: ${CLAUDE}, scope: organization, owner: platform, justification: default model }
  - id: cohere-prod
    model: ${COHERE}
    scope: { account: "${PROD}" }
    regions: [${E1}]
    acceptAgreement: true
    owner: search-team
    justification: retrieval evaluation
`;
const USE_CASE_FORM = {
  companyName: "Example Corp",
  companyWebsite: "https://example.com",
  intendedUsers: "0",
  industryOption: "Technology",
  useCases: "Internal assistants",
};

let t: TestApp;
let admin: string;
let approver: string;
const ctx = { principal: SYSTEM_PRINCIPAL };

async function openFindings(): Promise<Finding[]> {
  const out: Finding[] = [];
  let cursor: string | undefined;
  do {
    const page = await t.services.reconcile.list(
      ctx,
      { status: "open" },
      { limit: 200, ...(cursor ? { cursor } : {}) },
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const keyOf = (f: Pick<Finding, "type" | "accountId" | "region" | "modelId" | "gate">) =>
  [f.type, f.accountId, f.region ?? "", f.modelId ?? "", f.gate ?? ""].join("|");
const k = (type: string, account: string, region: string, model = "", gate = "") =>
  [type, account, region, model, gate].join("|");

async function post(url: string, key: string, payload?: unknown) {
  return t.app.inject({ method: "POST", url, headers: { authorization: key }, ...(payload ? { payload } : {}) });
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

beforeAll(async () => {
  t = await startTestApp({ SANDBOX_SCENARIO: "test/fixtures/drift-scenario.yaml" });
  admin = await t.keyFor("admin");
  approver = await t.keyFor("approver");
  await t.services.catalog.apply(ctx, parseCatalogDocument(CATALOG), "drift fixture");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  await waitForSyncRun(t, run.id);
  await t.services.reconcile.reconcileNow(ctx);
});
afterAll(async () => t?.close());

describe("remediation on a fixed drift scenario", () => {
  let plan: RemediationPlan;

  it("reconciliation finds exactly the expected drift", async () => {
    const found = (await openFindings()).map(keyOf).sort();
    const B = "APPROVED_MODEL_BLOCKED";
    const U = "UNAPPROVED_MODEL_ACCESSIBLE";
    expect(found).toEqual(
      [
        // management account: exempt from SCPs, so the unapproved models are usable there
        k(B, MGMT, E1, CLAUDE, "use_case"),
        k(U, MGMT, E1, COHERE),
        k(U, MGMT, E1, META),
        k(U, MGMT, E1, DEEPSEEK),
        // prod-app: Meta already denied by DenyMetaInProd
        k(B, PROD, E1, CLAUDE, "use_case"),
        k(B, PROD, W1, CLAUDE, "use_case"),
        k("MARKETPLACE_SUBSCRIPTION_BLOCKED", PROD, E1, COHERE, "marketplace"),
        k(U, PROD, E1, DEEPSEEK),
        k(U, PROD, W1, DEEPSEEK),
        // dev-app: approved Nova denied by DenyNovaInDev
        k(B, DEV, E1, CLAUDE, "use_case"),
        k(B, DEV, W1, CLAUDE, "use_case"),
        k(B, DEV, E1, NOVA, "org_policy"),
        k(B, DEV, W1, NOVA, "org_policy"),
        k(U, DEV, E1, COHERE),
        k(U, DEV, E1, META),
        k(U, DEV, W1, META),
        k(U, DEV, E1, DEEPSEEK),
        k(U, DEV, W1, DEEPSEEK),
        k("ACCOUNT_UNREACHABLE", LOST, E1),
        k("ACCOUNT_UNREACHABLE", LOST, W1),
      ].sort(),
    );
  });

  it("plans exactly the expected changes and says what it cannot do", async () => {
    const res = await post("/v1/remediation-plans", approver, {
      scope: { kind: "organization" },
      useCaseForm: USE_CASE_FORM,
    });
    expect(res.statusCode, res.body).toBe(201);
    plan = res.json() as RemediationPlan;
    expect(plan.status).toBe("planned");
    const summary = plan.changes.map((c) => {
      switch (c.kind) {
        case "scp_create":
        case "scp_attach":
          return `${c.kind} ${c.name} → ${c.target.id}`;
        case "agreement_create":
          return `${c.kind} ${c.accountId} ${c.region} ${c.modelId}`;
        case "use_case_put":
          return `${c.kind} ${c.accountId}`;
        default:
          return c.kind;
      }
    });
    // Narrowing first: the Dev OU's own SCP before the root's ceiling.
    expect(summary).toEqual([
      "scp_create bedrock-governor-catalog-ou-dr01-dev00001 → ou-dr01-dev00001",
      "scp_attach bedrock-governor-catalog-ou-dr01-dev00001 → ou-dr01-dev00001",
      "scp_create bedrock-governor-catalog-r-dr01 → r-dr01",
      "scp_attach bedrock-governor-catalog-r-dr01 → r-dr01",
      `agreement_create ${PROD} ${E1} ${COHERE}`,
      `use_case_put ${MGMT}`,
      `use_case_put ${PROD}`,
      `use_case_put ${DEV}`,
    ]);
    const agreement = plan.changes.find((c) => c.kind === "agreement_create");
    expect(agreement?.kind === "agreement_create" && agreement.offer.offerToken.length).toBeGreaterThan(0);
    for (const c of plan.changes) {
      if (c.kind !== "scp_create") continue;
      expect(c.content.length).toBeLessThanOrEqual(5120);
      const doc = JSON.parse(c.content) as { Statement: unknown[] };
      expect(doc.Statement.length).toBeGreaterThan(0);
    }
    expect(
      plan.unresolved.map((u) => `${u.kind} ${u.accountId ?? ""} ${u.region ?? ""} ${u.modelId ?? ""}`).sort(),
    ).toEqual(
      [
        `account_unreachable ${LOST} ${E1} `,
        `account_unreachable ${LOST} ${W1} `,
        `foreign_scp_deny ${DEV} ${E1} ${NOVA}`,
        `foreign_scp_deny ${DEV} ${W1} ${NOVA}`,
        `management_account ${MGMT} ${E1} ${COHERE}`,
        `management_account ${MGMT} ${E1} ${DEEPSEEK}`,
        `management_account ${MGMT} ${E1} ${META}`,
      ].sort(),
    );
    const deny = plan.unresolved.find((u) => u.kind === "foreign_scp_deny");
    expect(deny?.policyIds).toEqual(["p-denynovadev1"]);
  });

  it("only an admin applies; the approver who planned gets 403 and nothing changes", async () => {
    const before = await livePolicies();
    const res = await post(`/v1/remediation-plans/${plan.id}/apply`, approver);
    expect(res.statusCode).toBe(403);
    expect(await livePolicies()).toEqual(before);
  });

  it("applying changes the sandbox, audits each change, and the next reconciliation leaves only the unresolved", async () => {
    const res = await post(`/v1/remediation-plans/${plan.id}/apply`, admin);
    expect(res.statusCode, res.body).toBe(200);
    const applied = res.json() as RemediationPlan;
    expect(applied.status).toBe("applied");
    expect(applied.results?.map((r) => r.status)).toEqual(plan.changes.map(() => "applied"));
    expect(applied.syncRunIds.length).toBeGreaterThan(0);

    // The sandbox's state, read back through the AWS APIs.
    const policies = await livePolicies();
    const managed = policies.filter((p) => p.name.startsWith("bedrock-governor-catalog-"));
    expect(managed.map((p) => `${p.name} ${p.targets.join(",")}`).sort()).toEqual([
      "bedrock-governor-catalog-ou-dr01-dev00001 ou-dr01-dev00001",
      "bedrock-governor-catalog-r-dr01 r-dr01",
    ]);
    const bedrock = t.services.aws.account(PROD).bedrock(E1);
    expect((await bedrock.getFoundationModelAvailability(COHERE)).agreementAvailability?.status).toBe("AVAILABLE");
    expect(await bedrock.getUseCaseForModelAccess()).toEqual(USE_CASE_FORM);

    const audit = await t.services.audit.list(ctx, { targetId: plan.id }, { limit: 100 });
    const actions = audit.items.map((e) => `${e.action} ${(e.after as { kind?: string; status?: string }).kind ?? ""}`);
    expect(actions.filter((a) => a.startsWith("remediation.change")).length).toBe(plan.changes.length);
    expect(actions.filter((a) => a.startsWith("remediation.apply")).length).toBe(2);

    for (const id of applied.syncRunIds) await waitForSyncRun(t, id);
    await t.services.reconcile.reconcileNow(ctx);
    const left = (await openFindings()).map(keyOf).sort();
    expect(left).toEqual(
      [
        k("UNAPPROVED_MODEL_ACCESSIBLE", MGMT, E1, COHERE),
        k("UNAPPROVED_MODEL_ACCESSIBLE", MGMT, E1, META),
        k("UNAPPROVED_MODEL_ACCESSIBLE", MGMT, E1, DEEPSEEK),
        k("APPROVED_MODEL_BLOCKED", DEV, E1, NOVA, "org_policy"),
        k("APPROVED_MODEL_BLOCKED", DEV, W1, NOVA, "org_policy"),
        k("ACCOUNT_UNREACHABLE", LOST, E1),
        k("ACCOUNT_UNREACHABLE", LOST, W1),
      ].sort(),
    );
    // A second plan over the same state has nothing left to change.
    const again = await post("/v1/remediation-plans", admin, {
      scope: { kind: "organization" },
      useCaseForm: USE_CASE_FORM,
    });
    expect((again.json() as RemediationPlan).changes).toEqual([]);
  });

  it("a plan applied once cannot be applied again", async () => {
    const res = await post(`/v1/remediation-plans/${plan.id}/apply`, admin);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe("PLAN_NOT_APPLICABLE");
  });

  it("a plan made stale by a later catalog change is refused with 409 and changes nothing", async () => {
    // Approving DeepSeek for Dev would widen the root's SCP and add one for prod-app.
    const made = await post("/v1/remediation-plans", admin, { scope: { kind: "ou", id: "ou-dr01-dev00001" } });
    expect(made.statusCode, made.body).toBe(201);
    const stale = made.json() as RemediationPlan;
    await t.services.catalog.put(
      ctx,
      {
        id: "deepseek-dev",
        model: DEEPSEEK,
        scope: { kind: "ou", id: "ou-dr01-dev00001" },
        owner: "research",
        justification: "evaluation",
      },
      "evaluation",
    );
    const before = await livePolicies();
    const res = await post(`/v1/remediation-plans/${stale.id}/apply`, admin);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().code).toBe("PLAN_STALE");
    expect(await livePolicies()).toEqual(before);
    expect((await t.services.remediation.get(ctx, stale.id)).status).toBe("planned");

    // A fresh plan shows the widening, with a JSON diff of the root policy.
    const fresh = (
      await post("/v1/remediation-plans", admin, { scope: { kind: "ou", id: "ou-dr01-dev00001" } })
    ).json() as RemediationPlan;
    const update = fresh.changes.find((c) => c.kind === "scp_update" && c.target.id === "r-dr01");
    expect(update?.kind === "scp_update" && update.diff).toContain("deepseek.r1-v1:0");
  });

  it("a plan whose SCP was edited in AWS after the last sync is refused with 409", async () => {
    const made = (
      await post("/v1/remediation-plans", admin, { scope: { kind: "ou", id: "ou-dr01-dev00001" } })
    ).json() as RemediationPlan;
    const update = made.changes.find((c) => c.kind === "scp_update");
    if (update?.kind !== "scp_update") throw new Error("expected an SCP update in the plan");
    // Someone edits the managed policy in the console; the inventory has not seen it yet.
    const edited = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Hand", Effect: "Deny", Action: "bedrock:*", Resource: "*" }],
    });
    await t.services.aws.organizations().updatePolicy({ policyId: update.policyId, content: edited });
    const res = await post(`/v1/remediation-plans/${made.id}/apply`, admin);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().code).toBe("PLAN_STALE");
    expect(res.json().detail).toContain("changed since the last sync");
    expect((await t.services.aws.organizations().describePolicy(update.policyId))?.Content).toBe(edited);
  });

  it("rejects bad plan requests with a 4xx naming the field, and stores nothing", async () => {
    const count = async () => (await t.services.remediation.list(ctx, { limit: 500 })).items.length;
    const before = await count();
    const cases: [unknown, number, string][] = [
      [{ scope: { kind: "ou" } }, 400, "body.scope.id"],
      [{ scope: { kind: "ou", id: "ou-none-nonexist" } }, 422, "body.scope.id"],
      [{ scope: { kind: "account", id: "12" } }, 400, "body.scope.id"],
      [{ scope: { kind: "organization", region: E1 } }, 400, "body.scope.region"],
      [{ scope: { kind: "ou", id: "ou-dr01-dev00001", region: E1 } }, 400, "body.scope.region"],
      [{ scope: { kind: "account", id: "999999999999" } }, 422, "body.scope.id"],
      [{ scope: { kind: "account", id: "999999999999", region: "moon-1" } }, 400, "body.scope.region"],
      [{ scope: { kind: "galaxy" } }, 400, "body.scope.kind"],
      [{ scope: "organization" }, 400, "body.scope"],
      [{ scope: { kind: "organization" }, ouId: "ou-dr01-dev00001" }, 400, "body.ouId"],
    ];
    for (const [payload, status, field] of cases) {
      const res = await post("/v1/remediation-plans", admin, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(JSON.stringify(res.json().errors ?? res.json()), JSON.stringify(payload)).toContain(field);
    }
    expect(await count()).toBe(before);
  });
});
