// Preflight against sandbox scenarios: everything right, ExternalId mismatches, a missing member-role
// action, a trail with a key prefix and no mantle selector. Each miss names its subject and fix.
import { afterEach, describe, expect, it } from "vitest";
import type { AwsAccess } from "../../src/aws/aws-access.js";
import { AwsGateError } from "../../src/aws/errors.js";
import { createPreflightService, type PreflightSettings } from "../../src/modules/system/preflight.js";
import { parseScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { sandboxAwsAccess } from "../helpers/sandbox-access.js";
import {
  APP,
  BUCKET,
  everythingRight,
  externalIdMismatch,
  hubMissingActions,
  MGMT,
  missingAction,
  trailPrefixNoSelector,
  WRONG_EXT,
} from "./preflight-scenarios.js";

let sandbox: Sandbox | undefined;
let aws: AwsAccess | undefined;
afterEach(async () => {
  aws?.close();
  await sandbox?.close();
  sandbox = undefined;
  aws = undefined;
});

async function preflight(scenario: unknown, settings: Partial<PreflightSettings> = {}, sample?: number) {
  sandbox = await startSandbox({ scenario: parseScenario(scenario), port: 0 });
  aws = sandboxAwsAccess(sandbox);
  const service = createPreflightService({
    aws,
    settings: {
      homeRegion: "us-east-1",
      hubRoleArn: undefined,
      trailBucket: BUCKET,
      trailKeyPrefix: undefined,
      ...settings,
    },
  });
  return service.run(sample === undefined ? {} : { sample });
}

const misses = (r: Awaited<ReturnType<typeof preflight>>) => r.checks.filter((c) => c.status === "fail" && c.fix);

describe("preflight", () => {
  it("(a) everything right: every check passes", async () => {
    const r = await preflight(everythingRight());
    expect(r.checks.filter((c) => c.status === "fail")).toEqual([]);
    expect(r.summary.ok).toBe(true);
    expect(r.accounts).toEqual({ total: 5, checked: 5 });
    const status = Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      credentials: "pass",
      "hub-role": "skipped",
      "hub-permissions": "pass",
      organization: "pass",
      "member-role": "pass",
      "member-permissions": "pass",
      trail: "pass",
      "trail-key-prefix": "pass",
      "trail-mantle-selector": "pass",
    });
    expect(r.checks.find((c) => c.id === "organization")?.detail).toMatch(/management account/);
  });

  it("(e) a hub lacking actions of the call table: each is named, with the hub policy to fix", async () => {
    const r = await preflight(hubMissingActions());
    const hub = r.checks.find((c) => c.id === "hub-permissions");
    expect(hub).toMatchObject({
      status: "fail",
      subject: `arn:aws:iam::${MGMT}:user/bedrock-governor`,
      detail: "not allowed for the hub: organizations:ListTargetsForPolicy, sts:AssumeRole",
    });
    expect(hub?.fix).toBe(
      "Add organizations:ListTargetsForPolicy, sts:AssumeRole to the hub's policy (deploy/cloudformation/hub-role.yaml, PermissionLevel=read)",
    );
    expect(r.summary.ok).toBe(false);
  });

  it("(b) no ExternalId match in 3 accounts: each account is named, the fix names AWS_EXTERNAL_ID and the StackSet parameter", async () => {
    const r = await preflight(externalIdMismatch());
    expect(r.summary.ok).toBe(false);
    const failed = misses(r).filter((c) => c.id === "member-role");
    expect(failed.map((c) => c.subject.slice(8, 20)).sort()).toEqual(WRONG_EXT);
    for (const c of failed) {
      expect(c.subject).toMatch(/:role\/GovernorRole$/);
      expect(c.detail).toMatch(/AssumeRole failed/);
      expect(c.fix).toMatch(/AWS_EXTERNAL_ID/);
      expect(c.fix).toMatch(
        /member-role\.yaml to account \d{12} \(StackSet instance\) with MemberRoleName=GovernorRole/,
      );
    }
    expect(r.checks.find((c) => c.id === "member-role" && !c.fix)?.detail).toBe(
      "the member role was assumed in 2 of 5 accounts",
    );
    // The trail is still checked through the management account.
    expect(r.checks.find((c) => c.id === "trail-mantle-selector")?.status).toBe("pass");
  });

  it("(c) a member role lacking bedrock:GetAccountDataRetention: the simulation and the real call agree", async () => {
    const r = await preflight(missingAction());
    expect(misses(r)).toEqual([
      {
        id: "member-permissions",
        status: "fail",
        subject: `account ${APP}: arn:aws:iam::${APP}:role/GovernorRole`,
        detail: "bedrock:GetAccountDataRetention is explicitly denied for the member role",
        fix: "Add bedrock:GetAccountDataRetention to the member role (deploy/cloudformation/member-role.yaml, PermissionLevel=read), and remove the statement or SCP that denies it",
      },
    ]);
    const err = await aws
      ?.account(APP)
      .bedrock("us-east-1")
      .getAccountDataRetention()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsGateError);
    expect((err as AwsGateError).awsCode).toBe("AccessDeniedException");
    // Other accounts keep the action.
    await expect(aws?.account(MGMT).bedrock("us-east-1").getAccountDataRetention()).resolves.toBeDefined();
  });

  it("(d) an org trail with a key prefix and no mantle selector: both misses with their fixes", async () => {
    const r = await preflight(trailPrefixNoSelector());
    const byId = Object.fromEntries(misses(r).map((c) => [c.id, c]));
    expect(Object.keys(byId).sort()).toEqual(["trail-key-prefix", "trail-mantle-selector"]);
    const arn = `arn:aws:cloudtrail:us-east-1:${MGMT}:trail/organization-trail`;
    expect(byId["trail-key-prefix"]?.subject).toBe(arn);
    expect(byId["trail-key-prefix"]?.fix).toBe("Set INVOCATIONS_TRAIL_KEY_PREFIX=org/logs");
    expect(byId["trail-mantle-selector"]?.subject).toBe(arn);
    expect(byId["trail-mantle-selector"]?.fix).toMatch(/org-trail-mantle-selector\.yaml/);
    // With the prefix configured, only the selector is missing.
    aws?.close();
    await sandbox?.close();
    const again = await preflight(trailPrefixNoSelector(), { trailKeyPrefix: "org/logs" });
    expect(misses(again).map((c) => c.id)).toEqual(["trail-mantle-selector"]);
  });

  it("the trail bucket's actions are simulated on the bucket, in the bucket's account only", async () => {
    const r = await preflight(
      everythingRight((s) => {
        for (const a of s.accounts) a.memberRoleDeniedActions = ["s3:GetObject"];
      }),
    );
    expect(misses(r).map((c) => [c.subject, c.fix])).toEqual([
      [
        `account ${MGMT}: arn:aws:iam::${MGMT}:role/GovernorRole`,
        `Add s3:GetObject on arn:aws:s3:::${BUCKET}/* to the member role (deploy/cloudformation/management-account.yaml, PermissionLevel=read, TrailBucketName=${BUCKET}), and remove the statement or SCP that denies it`,
      ],
    ]);
  });

  it("--sample checks that many accounts", async () => {
    const r = await preflight(externalIdMismatch(), {}, 2);
    expect(r.accounts).toEqual({ total: 5, checked: 2 });
  });
});
