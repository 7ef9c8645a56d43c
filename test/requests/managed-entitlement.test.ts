// Acceptance on the sandbox (over HTTP, real @aws-sdk/client-license-manager) and real PostgreSQL:
// an access request for a model that reaches accounts only through a managed entitlement (the
// catalog entry for it names the management account's License Manager license) is approved and
// provisioned by distributing a grant to the account and activating it; it ends `active` once the
// grant is ACTIVE and the engine says usable. At expiry the reversal deletes the grant: the engine
// says blocked and the sandbox refuses Converse. Revoking a second request deletes its grant too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import type { TestApp } from "../helpers/app.js";
import { COHERE, entitlementRequests, startEntitlementApp } from "./entitlement-helpers.js";
import { DEV, MGMT, NOVA, PROD, system, WORKLOADS_OU } from "./helpers.js";

const GRANT_NAME = (account: string) => `bedrock-governor ${COHERE} for ${account}`;

let t: TestApp;
let admin: string;
let requester: string;
let approver: string;
let licenseArn: string;

beforeAll(async () => {
  ({ t, admin, requester, approver, licenseArn } = await startEntitlementApp());
  // The entitlement is declared on an entry that approves the model only where the license lives
  // (the management account receives no grant): everyone else gets it through a request.
  await t.services.catalog.apply(
    system,
    parseCatalogDocument(`entries:
  - { id: nova, model: ${NOVA}, scope: organization, owner: platform, justification: default model }
  - id: cohere-license
    model: ${COHERE}
    scope: { account: "${MGMT}" }
    entitlement: { licenseArn: "${licenseArn}" }
    owner: platform
    justification: Command R+ private offer, distributed per request
`),
    "entitlement fixture",
  );
  const rule = await t.app.inject({
    method: "POST",
    url: "/v1/approval-rules",
    headers: { authorization: admin },
    payload: {
      name: "workloads: Command R+ by one approver, applied automatically",
      scope: { kind: "ou", id: WORKLOADS_OU },
      providerPattern: "cohere*",
      approverRole: "approver",
      requiredApprovals: 1,
      autoApply: true,
    },
  });
  expect(rule.statusCode, rule.body).toBe(201);
}, 120_000);
afterAll(async () => t?.close());

const {
  diagnose,
  read,
  waitFor,
  fileAndApprove,
  distributed,
  received,
  engine,
  converseError,
  changeEvents,
  expiresAndLosesGrant,
} = entitlementRequests(
  () => t,
  () => ({ admin, requester, approver }),
);

describe("an access request provisioned through a managed entitlement", () => {
  let id: string;

  it("before the request, dev-app holds no grant and cannot use the model", async () => {
    expect(await distributed(DEV)).toEqual([]);
    expect(await engine(DEV)).toBe("blocked");
    expect(await converseError(DEV)).toBeDefined();
  });

  it("approved, provisioning creates and activates the grant; active once it is ACTIVE and the engine says usable", async () => {
    id = await fileAndApprove(DEV);
    const active = await waitFor(id, (r) => r.status === "active" || r.status === "failed", "active");
    expect(active.failure, JSON.stringify(active.failure)).toBeNull();
    expect(active.status).toBe("active");
    const grants = await distributed(DEV);
    expect(grants).toEqual([{ arn: expect.any(String), name: GRANT_NAME(DEV), status: "ACTIVE", license: licenseArn }]);
    expect(await received(DEV)).toEqual(["ACTIVE"]);
    expect(await engine(DEV)).toBe("usable");
    expect(await converseError(DEV)).toBeUndefined();
    // The grant plan distributed the license; its audit event names the grant and the request.
    const plan = active.plans.find((p) => p.purpose === "grant" && p.applied);
    expect(plan).toBeDefined();
    const afters = await changeEvents(id);
    expect(afters).toContainEqual(
      expect.objectContaining({
        kind: "license_grant_create",
        accountId: DEV,
        status: "applied",
        grantArn: grants[0]?.arn,
      }),
    );
  }, 120_000);

  it("at expiry the reversal deletes the grant: the engine says blocked and Converse is refused", async () => {
    await expiresAndLosesGrant(id, DEV);
  }, 120_000);

  it("revoking an active request deletes its grant as well", { timeout: 120_000 }, async () => {
    const second = await fileAndApprove(PROD);
    const active = await waitFor(second, (r) => r.status === "active" || r.status === "failed", "active");
    // This has failed now and then (verification found the entitlement gate closed): say what it saw.
    if (active.failure !== null) expect.fail(`${JSON.stringify(active.failure)}\n${await diagnose(second, PROD)}`);
    expect((await distributed(PROD)).map((g) => g.status)).toEqual(["ACTIVE"]);
    const current = await read(second);
    const revoked = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${second}/revoke`,
      headers: { authorization: admin, "if-match": `"${current.version}"` },
      payload: { comment: "license seat needed elsewhere" },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    await waitFor(
      second,
      (r) => r.status === "revoked" && r.plans.some((p) => p.purpose === "reversal" && p.applied),
      "revoked with the reversal applied",
    );
    expect((await distributed(PROD)).map((g) => g.status)).toEqual(["DELETED"]);
    expect(await converseError(PROD)).toBeDefined();
  });
});
