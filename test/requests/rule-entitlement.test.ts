// Acceptance on the sandbox (over HTTP, real @aws-sdk/client-license-manager) and real PostgreSQL:
// an APPROVAL RULE (not a catalog entry) says that requests it governs are provisioned through a
// managed entitlement (`provisionVia: managed_entitlement`). No catalog entry names a license for
// Command R+: provisioning finds the management account's own license for the model, distributes
// a grant to the account, activates it and follows it to ACTIVE; the request ends `active` once the
// engine says usable. At expiry the reversal deletes the grant and the engine says blocked. The
// rule field is validated (400 naming it, nothing written) and audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { ApprovalRuleView } from "../../src/modules/requests/access-request.types.js";
import type { TestApp } from "../helpers/app.js";
import { COHERE, entitlementRequests, startEntitlementApp } from "./entitlement-helpers.js";
import { DEV, NOVA, system, WORKLOADS_OU } from "./helpers.js";

let t: TestApp;
let admin: string;
let requester: string;
let approver: string;
let licenseArn: string;

const RULE = {
  name: "workloads: Command R+ through the managed entitlement",
  scope: { kind: "ou", id: WORKLOADS_OU },
  providerPattern: "cohere*",
  approverRole: "approver",
  requiredApprovals: 1,
  autoApply: true,
};

beforeAll(async () => {
  ({ t, admin, requester, approver, licenseArn } = await startEntitlementApp());
  // No entry names the license: only the rule asks for the managed entitlement.
  await t.services.catalog.apply(
    system,
    parseCatalogDocument(`entries:
  - { id: nova, model: ${NOVA}, scope: organization, owner: platform, justification: default model }
`),
    "rule entitlement fixture",
  );
}, 120_000);
afterAll(async () => t?.close());

const { waitFor, fileAndApprove, distributed, received, engine, converseError, changeEvents, expiresAndLosesGrant } =
  entitlementRequests(
    () => t,
    () => ({ admin, requester, approver }),
  );

const rules = async () =>
  (
    (await t.app.inject({ url: "/v1/approval-rules", headers: { authorization: admin } })).json() as {
      items: ApprovalRuleView[];
    }
  ).items;

describe("an approval rule provisions requests through a managed entitlement", () => {
  let ruleId: string;
  let id: string;

  it("refuses a bad provisionVia with 400 naming the field, and writes nothing", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: { ...RULE, provisionVia: "license_manager" },
    });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.headers["content-type"]).toContain("application/problem+json");
    expect(bad.body).toContain("provisionVia");
    expect(await rules()).toEqual([]);
  });

  it("creates the rule (provisionVia defaults to remediation), switches it, and audits both", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/v1/approval-rules",
      headers: { authorization: admin },
      payload: RULE,
    });
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json() as ApprovalRuleView;
    expect(rule.provisionVia).toBe("remediation");
    ruleId = rule.id;
    const updated = await t.app.inject({
      method: "PUT",
      url: `/v1/approval-rules/${ruleId}`,
      headers: { authorization: admin, "if-match": `"${rule.version}"` },
      payload: { ...RULE, provisionVia: "managed_entitlement" },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect((updated.json() as ApprovalRuleView).provisionVia).toBe("managed_entitlement");
    const events = await t.app.inject({
      url: "/v1/audit-events?targetType=approval_rule&limit=10",
      headers: { authorization: admin },
    });
    const items = (events.json() as { items: Array<{ action: string; before: unknown; after: unknown }> }).items;
    expect(items.find((e) => e.action === "approval_rule.create")?.after).toMatchObject({
      provisionVia: "remediation",
    });
    expect(items.find((e) => e.action === "approval_rule.update")).toMatchObject({
      before: { provisionVia: "remediation" },
      after: { provisionVia: "managed_entitlement" },
    });
  });

  it("before the request, dev-app holds no grant and cannot use the model", async () => {
    expect(await distributed(DEV)).toEqual([]);
    expect(await engine(DEV)).toBe("blocked");
    expect(await converseError(DEV)).toBeDefined();
  });

  it("approved, the request carries the rule's provisionVia and ends active on an ACTIVE grant of the management account's license", async () => {
    id = await fileAndApprove(DEV);
    const active = await waitFor(id, (r) => r.status === "active" || r.status === "failed", "active");
    expect(active.failure, JSON.stringify(active.failure)).toBeNull();
    expect(active).toMatchObject({ status: "active", ruleId, provisionVia: "managed_entitlement" });
    expect(active.grants).toEqual([expect.objectContaining({ accountId: DEV, provisionVia: "managed_entitlement" })]);
    const grants = await distributed(DEV);
    expect(grants).toEqual([
      { arn: expect.any(String), name: `bedrock-governor ${COHERE} for ${DEV}`, status: "ACTIVE", license: licenseArn },
    ]);
    expect(await received(DEV)).toEqual(["ACTIVE"]);
    expect(await engine(DEV)).toBe("usable");
    expect(await converseError(DEV)).toBeUndefined();
    expect(await changeEvents(id)).toContainEqual(
      expect.objectContaining({
        kind: "license_grant_create",
        accountId: DEV,
        licenseArn,
        entryIds: [`grant:${active.grants[0]?.id}`],
        status: "applied",
        grantArn: grants[0]?.arn,
      }),
    );
  }, 120_000);

  it("at expiry the reversal deletes the grant: the engine says blocked and Converse is refused", async () => {
    await expiresAndLosesGrant(id, DEV);
  }, 120_000);
});
