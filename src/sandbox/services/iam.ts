// IAM (awsQuery): SimulatePrincipalPolicy evaluates the scenario's identity policies for a principal
// together with the SCPs of its account, with the evaluator Converse uses; the service-specific
// credential operations (long-term Bedrock API keys) live in iam-credentials.ts.
import { parseIamArn } from "../../kernel/aws-ids.js";
import { scpDecision } from "../access.js";
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
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
    return [ADMIN_POLICY];
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

export function createIamService(): ServiceModule {
  return {
    name: "iam",
    protocol: "query",
    namespace: NAMESPACE,
    resolveOperation: (req) => parseQueryBody(req.body).get("Action") ?? undefined,
    handle(ctx) {
      if (ctx.operation === "SimulatePrincipalPolicy") return { body: simulate(ctx) };
      return { body: handleServiceSpecificCredentials(ctx) };
    },
  };
}
