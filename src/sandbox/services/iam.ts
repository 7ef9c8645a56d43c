// IAM (awsQuery): SimulatePrincipalPolicy evaluates the scenario's identity policies for a principal
// together with the SCPs of its account, with the evaluator Converse uses; the service-specific
// credential operations (long-term Bedrock API keys) live in iam-credentials.ts.
import { createHash } from "node:crypto";
import { parseIamArn } from "../../kernel/aws-ids.js";
import { scpDecision } from "../access.js";
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import { memberRolePolicies } from "../member-role.js";
import { evaluatePolicies, type NamedPolicy, type RequestContextValues } from "../policy-evaluator.js";
import { parseQueryBody, queryList, queryStructList } from "../protocols/query.js";
import { toQueryXml } from "../protocols/xml.js";
import { ADMIN_POLICY } from "../state.js";
import { handleServiceSpecificCredentials } from "./iam-credentials.js";

const NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";

function principalPolicies(ctx: CallContext, arn: string): NamedPolicy[] {
  const parsed = parseIamArn(arn);
  if (parsed === undefined || parsed.partition !== "aws")
    throw new AwsError("InvalidInput", `ARN ${arn} is not valid.`, 400);
  const { accountId: account, kind, name } = parsed;
  const noSuch = () => new AwsError("NoSuchEntity", `The ${kind} with name ${name} cannot be found.`, 404);
  // IAM only simulates principals of the caller's own account.
  if (account !== ctx.caller.account) throw noSuch();
  const { state } = ctx;
  const acct = state.accounts.get(account);
  const listed = acct?.principals.get(arn);
  if (listed !== undefined) return listed;
  if (arn === state.base.userArn) return [ADMIN_POLICY];
  if (kind === "role" && name === state.memberRoleName && acct !== undefined && acct.memberRole !== "missing")
    return memberRolePolicies(acct);
  throw noSuch();
}

function simulate(ctx: CallContext): string {
  const params = parseQueryBody(ctx.body);
  const source = params.get("PolicySourceArn");
  if (source === null) throw new AwsError("ValidationError", "PolicySourceArn is required.", 400);
  const actions = queryList(params, "ActionNames");
  if (actions.length === 0) throw new AwsError("ValidationError", "ActionNames must not be empty.", 400);
  const resources = queryList(params, "ResourceArns");
  const policies = principalPolicies(ctx, source);
  const context: Record<string, string[]> = {
    "aws:PrincipalArn": [source],
    "aws:PrincipalAccount": [ctx.caller.account],
  };
  for (const entry of queryStructList(params, "ContextEntries")) {
    const key = entry.ContextKeyName;
    const values = entry.ContextKeyValues;
    if (typeof key === "string")
      context[key] = Array.isArray(values) ? values : typeof values === "string" ? [values] : [];
  }
  const sourceType = source.includes(":role/") ? "role" : "user";
  const results = actions.flatMap((action) =>
    (resources.length > 0 ? resources : ["*"]).map((resource) => {
      const req = { action, resource, context: context as RequestContextValues };
      const identity = evaluatePolicies(policies, req);
      const scp = scpDecision(ctx.state, ctx.caller.account, req);
      const allowedByOrg = scp === undefined || scp.decision === "allowed";
      const decision =
        identity.decision === "explicitDeny" || scp?.decision === "explicitDeny"
          ? "explicitDeny"
          : identity.decision === "allowed" && allowedByOrg
            ? "allowed"
            : "implicitDeny";
      return {
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: decision,
        MatchedStatements: identity.matched.map((s) => ({
          SourcePolicyId: s.policyId,
          SourcePolicyType: sourceType,
          StartPosition: { Line: s.statementIndex + 1, Column: 1 },
          EndPosition: { Line: s.statementIndex + 1, Column: 2 },
        })),
        MissingContextValues: [],
        OrganizationsDecisionDetail: { AllowedByOrganizations: allowedByOrg },
      };
    }),
  );
  return toQueryXml("EvaluationResults", results) + toQueryXml("IsTruncated", false);
}

/**
 * GetRole ("GetRole", IAM API Reference): the role by name in the caller's account, with its path
 * and ARN; NoSuchEntity (404) when there is none. Scenario principals are declared by ARN, so a
 * role's path is what its ARN holds between `role/` and the name.
 */
function getRole(ctx: CallContext): string {
  const name = parseQueryBody(ctx.body).get("RoleName");
  if (name === null || name === "") throw new AwsError("ValidationError", "RoleName is required.", 400);
  const account = ctx.caller.account;
  const acct = ctx.state.accounts.get(account);
  const declared = [...(acct?.principals.keys() ?? [])]
    .map((arn) => ({ arn, parsed: parseIamArn(arn) }))
    .find((p) => p.parsed?.kind === "role" && p.parsed.name === name);
  const member = name === ctx.state.memberRoleName && acct !== undefined && acct.memberRole !== "missing";
  const arn = declared?.arn ?? (member ? `arn:aws:iam::${account}:role/${name}` : undefined);
  if (arn === undefined) throw new AwsError("NoSuchEntity", `The role with name ${name} cannot be found.`, 404);
  const path = declared?.parsed?.path || "/";
  const role = {
    Path: path.startsWith("/") ? path : `/${path}`,
    RoleName: name,
    RoleId: `AROA${createHash("sha256").update(arn).digest("hex").slice(0, 17).toUpperCase()}`,
    Arn: arn,
    CreateDate: "2024-01-01T00:00:00Z",
    AssumeRolePolicyDocument: encodeURIComponent(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
      }),
    ),
    MaxSessionDuration: 3600,
  };
  return toQueryXml("Role", role);
}

export function createIamService(): ServiceModule {
  return {
    name: "iam",
    protocol: "query",
    namespace: NAMESPACE,
    resolveOperation: (req) => parseQueryBody(req.body).get("Action") ?? undefined,
    handle(ctx) {
      if (ctx.operation === "SimulatePrincipalPolicy") return { body: simulate(ctx) };
      if (ctx.operation === "GetRole") return { body: getRole(ctx) };
      return { body: handleServiceSpecificCredentials(ctx) };
    },
  };
}
