// Gate 5, IAM: iam:SimulatePrincipalPolicy for the principal's identity policies on every resource
// the invocation needs, with the condition keys of that resource (Region, inference profile).
// Simulation folds the organization's SCPs into EvalDecision; where Organizations decided, the
// identity side is masked and this gate reports unknown instead of blaming IAM for an SCP.
import type { AccountApis } from "../../../aws/aws-access.js";
import { AwsGateError } from "../../../aws/errors.js";
import type { GateResult } from "../doctor.types.js";
import { INVOKE, INVOKE_STREAM, type InvocationCheck } from "../invocation.js";

/** Condition keys passed to the simulation (the principal keys are the simulator's own). */
const SIMULATED_KEYS = ["aws:RequestedRegion", "bedrock:InferenceProfileArn"];

export async function checkIam(input: {
  apis: AccountApis;
  principalArn: string | undefined;
  checks: InvocationCheck[];
}): Promise<GateResult> {
  const { principalArn } = input;
  if (principalArn === undefined) {
    return {
      gate: "iam",
      status: "unknown",
      summary: "No principal given: the caller's identity policies were not checked.",
      evidence: {},
      fix: "Run again with the principal (role or user ARN) that makes the call.",
    };
  }
  const iam = input.apis.iam();
  const rows: {
    resource: string;
    action: string;
    decision: string;
    allowedByOrganizations: boolean | null;
    matchedPolicies: string[];
  }[] = [];
  try {
    for (const check of input.checks) {
      const context = SIMULATED_KEYS.filter((k) => check.context[k] !== undefined).map((k) => ({
        ContextKeyName: k,
        ContextKeyType: "string" as const,
        ContextKeyValues: [check.context[k] as string],
      }));
      const results = await iam.simulatePrincipalPolicy({
        principalArn,
        actions: [INVOKE, INVOKE_STREAM],
        resources: [check.resource],
        context,
      });
      for (const r of results) {
        rows.push({
          resource: r.EvalResourceName ?? check.resource,
          action: r.EvalActionName ?? "",
          decision: r.EvalDecision ?? "implicitDeny",
          allowedByOrganizations: r.OrganizationsDecisionDetail?.AllowedByOrganizations ?? null,
          matchedPolicies: [...new Set((r.MatchedStatements ?? []).map((m) => m.SourcePolicyId ?? "?"))],
        });
      }
    }
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    const missing = err.gate === "not_found";
    return {
      gate: "iam",
      status: missing ? "fail" : "unknown",
      summary: missing
        ? `The principal ${principalArn} does not exist in the account.`
        : `Could not simulate the principal's policies (${err.gate}: ${err.awsCode ?? "error"}).`,
      evidence: { principalArn, awsCode: err.awsCode ?? null, message: err.message },
      fix: missing
        ? "Check the principal ARN (account, role or user name, path); assumed-role session ARNs are mapped to their role."
        : "Allow iam:SimulatePrincipalPolicy to the governor's member role, or retry.",
    };
  }
  const invoke = rows.filter((r) => r.action === INVOKE);
  const streaming = rows.filter((r) => r.action === INVOKE_STREAM && r.decision !== "allowed").map((r) => r.resource);
  const evidence = {
    principalArn,
    simulations: rows,
    ...(streaming.length > 0 ? { streamingDeniedOn: streaming } : {}),
  };
  const identityDenied = invoke.filter((r) => r.decision !== "allowed" && r.allowedByOrganizations !== false);
  const masked = invoke.filter((r) => r.decision !== "allowed" && r.allowedByOrganizations === false);
  if (identityDenied.length > 0) {
    const first = identityDenied[0] as (typeof invoke)[number];
    const explicit = first.decision === "explicitDeny";
    return {
      gate: "iam",
      status: "fail",
      summary: explicit
        ? `An identity policy of ${principalArn} explicitly denies ${INVOKE} on ${first.resource}${
            first.matchedPolicies.length ? ` (${first.matchedPolicies.join(", ")})` : ""
          }.`
        : `No identity policy of ${principalArn} allows ${INVOKE} on ${first.resource}.`,
      evidence: { ...evidence, deniedResources: identityDenied.map((r) => r.resource) },
      fix: explicit
        ? `Remove or narrow the Deny statement in ${first.matchedPolicies.join(", ") || "the principal's policies"} for this model.`
        : `Allow ${INVOKE} (and ${INVOKE_STREAM} for streaming) to the principal on ${identityDenied
            .map((r) => r.resource)
            .join(
              ", ",
            )}${input.checks.length > 1 ? " — a profile needs its ARN and the model ARN in every destination Region" : ""}.`,
    };
  }
  if (masked.length > 0) {
    return {
      gate: "iam",
      status: "unknown",
      summary: `The organization's policies deny ${INVOKE} on ${masked.length} resource(s), which masks the identity-policy decision there.`,
      evidence: { ...evidence, maskedResources: masked.map((r) => r.resource) },
      fix: "Fix the organization-policy gate first, then run the doctor again.",
    };
  }
  return {
    gate: "iam",
    status: "pass",
    summary: `The identity policies of ${principalArn} allow ${INVOKE} on ${invoke.length} resource(s)${
      streaming.length > 0 ? ` (streaming, ${INVOKE_STREAM}, is not allowed)` : ""
    }.`,
    evidence,
    fix: null,
  };
}
