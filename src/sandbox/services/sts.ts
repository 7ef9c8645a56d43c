// STS (awsQuery): AssumeRole into member accounts per the scenario's member-role state, and
// GetCallerIdentity. Sessions issued here are what the server later authenticates.

import { createHash, randomBytes } from "node:crypto";
import { isId, parseIamArn } from "../../kernel/aws-ids.js";
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import { evaluatePolicies } from "../policy-evaluator.js";
import { parseQueryBody } from "../protocols/query.js";
import { toQueryXml } from "../protocols/xml.js";
import type { StsSession } from "../state.js";

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

const validation = (field: string, value: string, constraint: string) =>
  new AwsError(
    "ValidationError",
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
    400,
  );

const accessDenied = (callerArn: string, roleArn: string) =>
  new AwsError(
    "AccessDenied",
    `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );

function roleId(account: string, roleName: string): string {
  return `AROA${createHash("sha256").update(`${account}:${roleName}`).digest("hex").slice(0, 17).toUpperCase()}`;
}

function assumeRole(ctx: CallContext, params: URLSearchParams): string {
  const roleArn = params.get("RoleArn") ?? "";
  const sessionName = params.get("RoleSessionName") ?? "";
  const durationRaw = params.get("DurationSeconds");
  const externalId = params.get("ExternalId") ?? undefined;
  const sourceIdentity = params.get("SourceIdentity") ?? undefined;
  const role = parseIamArn(roleArn);
  if (role?.kind !== "role" || role.partition !== "aws" || role.name.length > 64)
    throw validation("roleArn", roleArn, "Member must satisfy the IAM role ARN format");
  if (!isId("roleSessionName", sessionName)) {
    throw sessionName.length < 2 || sessionName.length > 64
      ? validation(
          "roleSessionName",
          sessionName,
          `Member must have length ${sessionName.length < 2 ? "greater than or equal to 2" : "less than or equal to 64"}`,
        )
      : validation("roleSessionName", sessionName, "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  }
  const duration = durationRaw === null ? 3600 : Number(durationRaw);
  if (!Number.isInteger(duration) || duration < 900)
    throw validation("durationSeconds", String(durationRaw), "Member must have value greater than or equal to 900");
  if (duration > 43200)
    throw validation("durationSeconds", String(durationRaw), "Member must have value less than or equal to 43200");
  // Role chaining (an assumed role assuming another) is capped at one hour.
  if (ctx.caller.session !== undefined && duration > 3600) {
    throw new AwsError(
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      400,
    );
  }
  if (externalId !== undefined && !isId("externalId", externalId))
    throw validation("externalId", externalId, "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*");

  const { accountId: account, name: roleName } = role;
  const { state } = ctx;
  // The caller's own identity policies must allow sts:AssumeRole when the scenario defines them.
  const callerPolicies = state.accounts.get(ctx.caller.account)?.principals.get(ctx.caller.principalArn);
  if (callerPolicies !== undefined) {
    const ev = evaluatePolicies(callerPolicies, {
      action: "sts:AssumeRole",
      resource: roleArn,
      context: { "aws:PrincipalArn": ctx.caller.principalArn, "aws:RequestedRegion": ctx.region },
    });
    if (ev.decision !== "allowed") throw accessDenied(ctx.caller.arn, roleArn);
  }
  const target = state.accounts.get(account);
  const knownRole =
    roleName === state.memberRoleName ||
    [...(target?.principals.keys() ?? [])].some((arn) => arn === `arn:aws:iam::${account}:role/${roleName}`);
  if (target === undefined || !knownRole || target.state !== "ACTIVE") throw accessDenied(ctx.caller.arn, roleArn);
  if (roleName === state.memberRoleName) {
    if (target.memberRole === "missing" || target.memberRole === "trust-denied")
      throw accessDenied(ctx.caller.arn, roleArn);
    if (
      target.memberRole === "external-id-mismatch" &&
      (state.externalId === undefined || externalId !== state.externalId)
    )
      throw accessDenied(ctx.caller.arn, roleArn);
  }
  if (ctx.faults.assumeRoleFails()) throw accessDenied(ctx.caller.arn, roleArn);

  const now = ctx.now();
  const session: StsSession = {
    accessKeyId: `ASIA${randomBytes(10).toString("hex").toUpperCase().slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(180).toString("base64")}`,
    account,
    roleArn: `arn:aws:iam::${account}:role/${roleName}`,
    roleName,
    roleId: roleId(account, roleName),
    sessionName,
    expiration: new Date(now.getTime() + duration * 1000),
  };
  state.sessions.set(session.accessKeyId, session);
  return [
    toQueryXml("Credentials", {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: session.expiration,
    }),
    toQueryXml("AssumedRoleUser", {
      AssumedRoleId: `${session.roleId}:${sessionName}`,
      Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    }),
    toQueryXml("PackedPolicySize", 0),
    toQueryXml("SourceIdentity", sourceIdentity),
  ].join("");
}

export function createStsService(): ServiceModule {
  return {
    name: "sts",
    protocol: "query",
    namespace: NAMESPACE,
    resolveOperation: (req) => parseQueryBody(req.body).get("Action") ?? req.query.get("Action") ?? undefined,
    handle(ctx) {
      const params = parseQueryBody(ctx.body);
      switch (ctx.operation) {
        case "AssumeRole":
          return { body: assumeRole(ctx, params) };
        case "GetCallerIdentity":
          return {
            body:
              toQueryXml("Arn", ctx.caller.arn) +
              toQueryXml("UserId", ctx.caller.userId) +
              toQueryXml("Account", ctx.caller.account),
          };
        default:
          throw new AwsError("InvalidAction", `Could not find operation ${ctx.operation} for version 2011-06-15`, 400);
      }
    },
  };
}
