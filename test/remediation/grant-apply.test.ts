// Applying a license_grant_create against the sandbox over HTTP with the real License Manager
// client: the grant is created from the management account, activated and followed to ACTIVE; when
// activation fails (CreateGrantVersion answering 5xx past the SDK's retries) the created grant is
// deleted again, so a failed provisioning leaves no grant behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsAccess } from "../../src/aws/aws-access.js";
import type { PlanChange } from "../../src/modules/remediation/remediation.types.js";
import { createRemediationApplier } from "../../src/modules/remediation/remediation-apply.js";
import { createChangeInspector } from "../../src/modules/remediation/remediation-recovery.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { sandboxAwsAccess } from "../helpers/sandbox-access.js";
import { accessScenario, HAIKU, MGMT, OTHER } from "../sandbox/access-scenario.js";

let sandbox: Sandbox;
let aws: AwsAccess;
let licenseArn: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: accessScenario((s) => {
      s.managedEntitlements = { licenses: [{ model: HAIKU }] };
      const other = s.accounts.find((a: { id: string }) => a.id === OTHER);
      other.managedEntitlementModels = [HAIKU];
    }),
    port: 0,
  });
  aws = sandboxAwsAccess(sandbox);
  licenseArn = (await aws.account(MGMT).licenseManager().listReceivedLicenses())[0]?.LicenseArn as string;
});
afterAll(async () => {
  aws?.close();
  await sandbox?.close();
});

const change = (): Extract<PlanChange, { kind: "license_grant_create" }> => ({
  kind: "license_grant_create",
  accountId: OTHER,
  modelId: HAIKU,
  licenseArn,
  managementAccountId: MGMT,
  grantName: `bedrock-governor ${HAIKU} for ${OTHER}`,
  entryIds: ["haiku"],
});

const grants = async () =>
  (await aws.account(MGMT).licenseManager().listDistributedGrants(licenseArn)).map((g) => [g.GrantArn, g.GrantStatus]);

describe("license_grant_create", () => {
  const applier = () => createRemediationApplier({ aws }, { grantPolls: 2, grantPollMs: 10 });

  it("a failed activation deletes the grant it created and reports why", async () => {
    sandbox.faults.setOutage({ kind: "server_error", service: "license-manager", operation: "CreateGrantVersion" });
    try {
      await expect(applier().execute(change(), new Map(), "plan-1-0")).rejects.toThrow(
        /could not be activated and was deleted again/,
      );
    } finally {
      sandbox.faults.setOutage(undefined);
    }
    const after = await grants();
    expect(after).toHaveLength(1);
    expect(after[0]?.[1]).toBe("DELETED");
    expect(await aws.account(OTHER).licenseManager().listReceivedGrants()).toEqual([]);
  });

  it("otherwise creates, activates and returns an ACTIVE grant the member receives", async () => {
    const arn = await applier().execute(change(), new Map(), "plan-2-0");
    expect(arn).toMatch(/^arn:aws:license-manager::100000000001:grant:g-/);
    expect((await grants()).filter(([, s]) => s === "ACTIVE")).toEqual([[arn, "ACTIVE"]]);
    expect((await aws.account(OTHER).licenseManager().listReceivedGrants()).map((g) => g.GrantStatus)).toEqual([
      "ACTIVE",
    ]);
    // Deleting it (access ended) revokes it in the member.
    await applier().execute(
      {
        kind: "license_grant_delete",
        accountId: OTHER,
        licenseArn,
        managementAccountId: MGMT,
        grantArn: arn as string,
        grantName: change().grantName,
      },
      new Map(),
      "plan-3-0",
    );
    expect(await aws.account(OTHER).licenseManager().listReceivedGrants()).toEqual([]);
  });
});

// What the recovery of an apply killed during a license_grant_create finds in License Manager.
describe("license_grant_create interrupted by the death of its process", () => {
  const inspector = () => createChangeInspector({ aws });
  const named = (grantName: string) => ({ ...change(), grantName });
  const lm = () => aws.account(MGMT).licenseManager();
  const principal = `arn:aws:iam::${OTHER}:root`;
  const create = (grantName: string, token: string) =>
    lm().createGrant({
      licenseArn,
      principalArn: principal,
      grantName,
      clientToken: token,
      allowedOperations: ["CheckoutLicense"],
    });

  it("a grant created but never activated is half done: deleted again, the change did not land", async () => {
    const made = await create("interrupted before activation", "killed-1-0");
    const seen = await inspector().inspect(named("interrupted before activation"), new Map());
    expect(seen).toEqual({ landed: false, undone: expect.stringContaining(made.grantArn) });
    expect((await lm().getGrant(made.grantArn))?.GrantStatus).toBe("DELETED");
  });

  it("an ACTIVE grant landed: adopted with the ARN License Manager gave", async () => {
    const made = await create("interrupted after activation", "killed-2-0");
    await lm().setGrantStatus(made.grantArn, "ACTIVE", "killed-2-0-activate");
    const seen = await inspector().inspect(named("interrupted after activation"), new Map());
    expect(seen).toEqual({ landed: true, ref: made.grantArn });
  });

  it("no grant of that name: the change did not land", async () => {
    expect(await inspector().inspect(named("never created"), new Map())).toEqual({ landed: false });
  });
});
