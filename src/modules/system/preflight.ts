// Preflight: is the configured organization ready for the service? Base credentials, the hub role,
// the hub's standing in the organization (management account or delegated administrator), the
// member role in every account (or a sample) and each IAM action the call table says it needs at
// the permission level (iam:SimulatePrincipalPolicy on the role itself, inside its account), and
// the organization trail (key prefix, bedrock-mantle data-event selector). Each miss names its
// subject and the exact fix.
import type { Account } from "../../aws/api/organizations.js";
import type { AwsAccess } from "../../aws/aws-access.js";
import type { PermissionLevel, TemplateScope } from "../../aws/call-table.js";
import { logsMantleData } from "../invocations/mantle-trail.js";
import {
  CONCURRENCY,
  MANAGEMENT_TEMPLATE,
  MANTLE_TEMPLATE,
  MEMBER_TEMPLATE,
  memberActions,
  message,
  pool,
  sampleAccounts,
  simulations,
} from "./preflight-support.js";

export type PreflightStatus = "pass" | "fail" | "warn" | "skipped";

export interface PreflightCheck {
  /** credentials, hub-role, hub-permissions, organization, member-role, member-permissions, trail, trail-key-prefix, trail-mantle-selector. */
  id: string;
  status: PreflightStatus;
  /** What was checked: an account, a role ARN, a trail ARN. */
  subject: string;
  detail: string;
  /** The exact fix of a miss (absent on a pass). */
  fix?: string;
}

export interface PreflightReport {
  checkedAt: Date;
  level: PermissionLevel;
  accounts: { total: number; checked: number };
  checks: PreflightCheck[];
  summary: { ok: boolean; pass: number; fail: number; warn: number; skipped: number };
}

export interface PreflightRequest {
  /** Check the member role in this many accounts (spread over the organization); unset: every account. */
  sample?: number;
  level?: PermissionLevel;
}

export interface PreflightSettings {
  homeRegion: string;
  hubRoleArn: string | undefined;
  trailBucket: string | undefined;
  /** The account owning the trail bucket (log archive); unset: the management account. */
  trailBucketAccount?: string | undefined;
  trailKeyPrefix: string | undefined;
}

export function createPreflightService(deps: { aws: AwsAccess; settings: PreflightSettings; now?: () => Date }) {
  const { aws, settings } = deps;
  const roleName = (accountId: string) => aws.credentials.memberRoleArn(accountId).split("/").pop() ?? "";

  async function identityChecks(checks: PreflightCheck[]): Promise<{ account: string; arn: string } | undefined> {
    try {
      const base = await aws.identity.base().getCallerIdentity();
      checks.push({ id: "credentials", status: "pass", subject: base.arn, detail: `base credentials are ${base.arn}` });
    } catch (err) {
      checks.push({
        id: "credentials",
        status: "fail",
        subject: "base credentials",
        detail: `sts:GetCallerIdentity failed: ${message(err)}`,
        fix: "Give the service AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance/task role) in the management or delegated-admin account",
      });
      return undefined;
    }
    const hubArn = settings.hubRoleArn;
    try {
      const hub = await aws.identity.hub().getCallerIdentity();
      checks.push(
        hubArn
          ? { id: "hub-role", status: "pass", subject: hubArn, detail: `assumed as ${hub.arn}` }
          : {
              id: "hub-role",
              status: "skipped",
              subject: "AWS_HUB_ROLE_ARN",
              detail: "unset: the base credentials are the hub",
            },
      );
      return { account: hub.account, arn: hub.arn };
    } catch (err) {
      checks.push({
        id: "hub-role",
        status: "fail",
        subject: hubArn ?? "hub",
        detail: `sts:AssumeRole of the hub role failed: ${message(err)}`,
        fix: `Deploy deploy/cloudformation/hub-role.yaml and let the base credentials assume ${hubArn} (its trust policy and the caller's sts:AssumeRole permission), or correct AWS_HUB_ROLE_ARN`,
      });
      return undefined;
    }
  }

  async function organizationCheck(checks: PreflightCheck[], hubAccount: string) {
    const orgs = aws.organizations();
    let management: string | undefined;
    try {
      management = (await orgs.describeOrganization())?.MasterAccountId;
    } catch (err) {
      checks.push({
        id: "organization",
        status: "fail",
        subject: `account ${hubAccount}`,
        detail: `organizations:DescribeOrganization failed: ${message(err)}`,
        fix: "Run the service in the organization's management account or a delegated administrator, with the hub policy of deploy/cloudformation/hub-role.yaml",
      });
      return undefined;
    }
    try {
      const accounts = (await orgs.listAccounts()).filter(
        (a: Account) => a.Status === undefined || a.Status === "ACTIVE",
      );
      const role = hubAccount === management ? "the management account" : "a delegated administrator";
      checks.push({
        id: "organization",
        status: "pass",
        subject: `account ${hubAccount}`,
        detail: `the hub is ${role} of the organization (management account ${management}); ${accounts.length} active accounts`,
      });
      return { management, accounts: accounts.flatMap((a) => (a.Id ? [{ id: a.Id }] : [])) };
    } catch (err) {
      checks.push({
        id: "organization",
        status: "fail",
        subject: `account ${hubAccount}`,
        detail: `the hub account is not the management account (${management}) and organizations:ListAccounts failed: ${message(err)}`,
        fix: `Register account ${hubAccount} as a delegated administrator for AWS Organizations (the delegation policy in deploy/cloudformation/management-account.yaml), or run the service in the management account ${management}`,
      });
      return undefined;
    }
  }

  /**
   * The hub's own permissions (Organizations reads and writes, sts:AssumeRole of the member role)
   * simulated on the principal the hub runs as: the hub role, else the base identity (an IAM user,
   * or the role behind an assumed-role session, found with its path through iam:GetRole).
   */
  async function hubChecks(checks: PreflightCheck[], hubArn: string, level: PermissionLevel) {
    const iam = aws.identity.hubIam();
    let principal = settings.hubRoleArn ?? hubArn;
    const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principal);
    if (session !== null) {
      const name = session[2] as string;
      principal = `arn:aws:iam::${session[1]}:role/${name}`;
      try {
        principal = (await iam.getRole(name))?.arn ?? principal;
      } catch {
        // Without iam:GetRole the path is unknown; the simulation below says what fails.
      }
    }
    const memberRole = aws.credentials.memberRoleArn("*");
    const runs = [
      ...simulations(memberActions("hub", level), "any", undefined),
      ...memberActions("hub", level, "member-role").map((a) => ({ actions: [a], resources: [memberRole] })),
    ];
    try {
      const results = (
        await Promise.all(runs.map((r) => iam.simulatePrincipalPolicy({ principalArn: principal, ...r })))
      ).flat();
      const denied = results.filter((r) => r.EvalDecision !== "allowed").map((r) => r.EvalActionName as string);
      checks.push(
        denied.length === 0
          ? {
              id: "hub-permissions",
              status: "pass",
              subject: principal,
              detail: `the hub may make every ${level}-level call of the call table (${results.length} actions simulated)`,
            }
          : {
              id: "hub-permissions",
              status: "fail",
              subject: principal,
              detail: `not allowed for the hub: ${[...new Set(denied)].sort().join(", ")}`,
              fix: `Add ${[...new Set(denied)].sort().join(", ")} to the hub's policy (deploy/cloudformation/hub-role.yaml, PermissionLevel=${level})`,
            },
      );
    } catch (err) {
      checks.push({
        id: "hub-permissions",
        status: "warn",
        subject: principal,
        detail: `iam:SimulatePrincipalPolicy on the hub failed: ${message(err)}; the hub's permissions were not checked`,
        fix: "Add iam:SimulatePrincipalPolicy and iam:GetRole to the hub's policy (deploy/cloudformation/hub-role.yaml)",
      });
    }
  }

  /** The member role in one account: assumable, then each needed action simulated on the role. */
  async function memberChecks(accountId: string, management: string | undefined, level: PermissionLevel) {
    const out: PreflightCheck[] = [];
    const roleArn = aws.credentials.memberRoleArn(accountId);
    const apis = aws.account(accountId);
    try {
      await apis.sts().getCallerIdentity();
    } catch (err) {
      out.push({
        id: "member-role",
        status: "fail",
        subject: `account ${accountId}: ${roleArn}`,
        detail: `sts:AssumeRole failed: ${message(err)}. The role is missing, does not trust the hub, or its ExternalId condition differs from AWS_EXTERNAL_ID`,
        fix: `Deploy ${MEMBER_TEMPLATE} to account ${accountId} (StackSet instance) with MemberRoleName=${roleName(accountId)} and ExternalId equal to AWS_EXTERNAL_ID (update the StackSet parameter, or set AWS_EXTERNAL_ID to the value the role's trust policy expects)`,
      });
      return { assumed: false, checks: out };
    }
    const scope: TemplateScope = accountId === management ? "management" : "member";
    const template = scope === "management" ? MANAGEMENT_TEMPLATE : MEMBER_TEMPLATE;
    const bucketAccount = settings.trailBucketAccount ?? management;
    const bucket = accountId === bucketAccount ? settings.trailBucket : undefined;
    const runs = [
      ...simulations(memberActions(scope, level), "any", bucket),
      ...simulations(memberActions(scope, level, "trail-bucket"), "trail-bucket", bucket),
    ];
    try {
      const iam = apis.iam();
      const results = (
        await Promise.all(runs.map((r) => iam.simulatePrincipalPolicy({ principalArn: roleArn, ...r })))
      ).flat();
      for (const r of results) {
        if (r.EvalDecision === "allowed") continue;
        if (r.OrganizationsDecisionDetail?.AllowedByOrganizations === false) {
          out.push({
            id: "member-permissions",
            status: "warn",
            subject: `account ${accountId}: ${roleArn}`,
            detail: `${r.EvalActionName} is denied to the member role by an SCP (for some resources at least)`,
            fix: `Exempt the member role from the SCP (a condition on aws:PrincipalArn ${roleArn}) if the service needs ${r.EvalActionName} in this account`,
          });
          continue;
        }
        out.push({
          id: "member-permissions",
          status: "fail",
          subject: `account ${accountId}: ${roleArn}`,
          detail: `${r.EvalActionName} is ${r.EvalDecision === "explicitDeny" ? "explicitly denied" : "not allowed"} for the member role`,
          fix: `Add ${r.EvalActionName}${r.EvalActionName?.startsWith("s3:") ? ` on ${r.EvalResourceName}` : ""} to the member role (${template}, PermissionLevel=${level}${r.EvalActionName?.startsWith("s3:") ? `, TrailBucketName=${settings.trailBucket}` : ""})${r.EvalDecision === "explicitDeny" ? ", and remove the statement or SCP that denies it" : ""}`,
        });
      }
    } catch (err) {
      out.push({
        id: "member-permissions",
        status: "fail",
        subject: `account ${accountId}: ${roleArn}`,
        detail: `iam:SimulatePrincipalPolicy on the member role failed: ${message(err)}`,
        fix: `Add iam:SimulatePrincipalPolicy to the member role (${template}, PermissionLevel=${level})`,
      });
    }
    return { assumed: true, checks: out };
  }

  async function trailChecks(management: string, checks: PreflightCheck[]) {
    const home = settings.homeRegion;
    const ct = aws.account(management).cloudtrail(home);
    let trails: Awaited<ReturnType<typeof ct.describeTrails>>;
    try {
      trails = await ct.describeTrails();
    } catch (err) {
      checks.push({
        id: "trail",
        status: "fail",
        subject: `account ${management}`,
        detail: `cloudtrail:DescribeTrails in the management account failed: ${message(err)}`,
        fix: `Add cloudtrail:DescribeTrails to the member role in the management account (deploy/cloudformation/management-account.yaml)`,
      });
      return;
    }
    const org = trails.filter((t) => t.IsOrganizationTrail === true);
    const trail =
      (settings.trailBucket ? org.find((t) => t.S3BucketName === settings.trailBucket) : undefined) ?? org[0];
    if (trail?.TrailARN === undefined) {
      checks.push({
        id: "trail",
        status: "fail",
        subject: `account ${management}`,
        detail: settings.trailBucket
          ? `no organization trail delivers to s3://${settings.trailBucket}`
          : "the management account has no organization trail",
        fix: "Create an organization trail in the management account (CloudTrail → Trails → Enable for all accounts in my organization) and set INVOCATIONS_TRAIL_BUCKET to its bucket",
      });
      return;
    }
    const arn = trail.TrailARN;
    const bucketOk = settings.trailBucket === trail.S3BucketName;
    checks.push({
      id: "trail",
      status: bucketOk ? "pass" : "warn",
      subject: arn,
      detail: `organization trail delivering to s3://${trail.S3BucketName}${bucketOk ? "" : settings.trailBucket ? `, not to INVOCATIONS_TRAIL_BUCKET (${settings.trailBucket})` : "; INVOCATIONS_TRAIL_BUCKET is unset"}`,
      ...(bucketOk ? {} : { fix: `Set INVOCATIONS_TRAIL_BUCKET=${trail.S3BucketName}` }),
    });
    const actual = trail.S3KeyPrefix?.replace(/^\/+|\/+$/g, "") || undefined;
    const configured = settings.trailKeyPrefix;
    checks.push(
      actual === configured
        ? {
            id: "trail-key-prefix",
            status: "pass",
            subject: arn,
            detail: actual ? `key prefix ${actual}` : "no key prefix",
          }
        : {
            id: "trail-key-prefix",
            status: "fail",
            subject: arn,
            detail: `the trail's S3KeyPrefix is ${actual ? `"${actual}"` : "empty"}, INVOCATIONS_TRAIL_KEY_PREFIX is ${configured ? `"${configured}"` : "unset"}: S3 ingestion would look for files where there are none`,
            fix: actual ? `Set INVOCATIONS_TRAIL_KEY_PREFIX=${actual}` : "Unset INVOCATIONS_TRAIL_KEY_PREFIX",
          },
    );
    try {
      const sel = await aws
        .account(management)
        .cloudtrail(trail.HomeRegion ?? home)
        .getEventSelectors(arn);
      checks.push(
        logsMantleData(sel.advanced)
          ? { id: "trail-mantle-selector", status: "pass", subject: arn, detail: "logs bedrock-mantle data events" }
          : {
              id: "trail-mantle-selector",
              status: "fail",
              subject: arn,
              detail:
                "the organization trail has no data-event selector for bedrock-mantle: mantle inference is not logged",
              fix: `Add the bedrock-mantle advanced event selector to the trail (${MANTLE_TEMPLATE}, or aws cloudtrail put-event-selectors --advanced-event-selectors as that template shows)`,
            },
      );
    } catch (err) {
      checks.push({
        id: "trail-mantle-selector",
        status: "fail",
        subject: arn,
        detail: `cloudtrail:GetEventSelectors failed: ${message(err)}`,
        fix: "Add cloudtrail:GetEventSelectors to the member role in the management account (deploy/cloudformation/management-account.yaml)",
      });
    }
  }

  async function run(request: PreflightRequest = {}): Promise<PreflightReport> {
    const level = request.level ?? "read";
    const checks: PreflightCheck[] = [];
    let accounts = { total: 0, checked: 0 };
    const hub = await identityChecks(checks);
    if (hub !== undefined) await hubChecks(checks, hub.arn, level);
    const org = hub === undefined ? undefined : await organizationCheck(checks, hub.account);
    if (org === undefined) {
      for (const id of ["member-role", "member-permissions", "trail"])
        checks.push({ id, status: "skipped", subject: "organization", detail: "not checked: an earlier check failed" });
    } else {
      const chosen = sampleAccounts(org.accounts, request.sample);
      accounts = { total: org.accounts.length, checked: chosen.length };
      const results = await pool(chosen, CONCURRENCY, (a) => memberChecks(a.id, org.management, level));
      const assumed = results.filter((r) => r.assumed).length;
      const allowed = results.filter((r) => r.assumed && !r.checks.some((c) => c.status === "fail")).length;
      checks.push({
        id: "member-role",
        status: assumed === chosen.length ? "pass" : "fail",
        subject: `${chosen.length} of ${org.accounts.length} accounts`,
        detail: `the member role was assumed in ${assumed} of ${chosen.length} accounts`,
      });
      checks.push({
        id: "member-permissions",
        status: allowed === assumed ? "pass" : "fail",
        subject: `${assumed} accounts`,
        detail: `the member role has every ${level}-level action of the call table in ${allowed} of ${assumed} accounts`,
      });
      checks.push(...results.flatMap((r) => r.checks));
      const mgmtAssumed = results.find((_, i) => chosen[i]?.id === org.management)?.assumed;
      if (org.management === undefined || mgmtAssumed === false)
        checks.push({
          id: "trail",
          status: "skipped",
          subject: "organization trail",
          detail: "not checked: the member role in the management account is not usable",
        });
      else await trailChecks(org.management, checks);
    }
    const count = (s: PreflightStatus) => checks.filter((c) => c.status === s).length;
    const summary = {
      ok: count("fail") === 0,
      pass: count("pass"),
      fail: count("fail"),
      warn: count("warn"),
      skipped: count("skipped"),
    };
    return { checkedAt: (deps.now ?? (() => new Date()))(), level, accounts, checks, summary };
  }

  return { run };
}

export type PreflightService = ReturnType<typeof createPreflightService>;
