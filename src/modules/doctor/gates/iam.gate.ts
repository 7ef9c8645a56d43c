// IAM evidence: the iam:SimulatePrincipalPolicy answers for the requests the engine evaluated the
// call as (engine-verdict.ts asks them), summarized with the denying policies and a fix. The
// engine decides the gate; this says what the simulator answered.
import type { AwsGateError } from "../../../aws/errors.js";
import type { GateResult } from "../doctor.types.js";
import type { Simulation } from "../engine-verdict.js";

export function iamEvidence(
  principalArn: string | undefined,
  outcome: { simulations: readonly Simulation[]; simulationError?: AwsGateError },
): GateResult {
  if (principalArn === undefined) {
    return {
      gate: "iam",
      status: "unknown",
      summary: "No principal given: the caller's identity policies were not checked.",
      evidence: {},
      fix: "Run again with the principal (role or user ARN) that makes the call.",
    };
  }
  const err = outcome.simulationError;
  const evidence = { principalArn, simulations: outcome.simulations };
  const identityDenied = outcome.simulations.filter(
    (r) => r.decision !== "allowed" && r.allowedByOrganizations !== false,
  );
  if (err !== undefined && identityDenied.length === 0) {
    const missing = err.gate === "not_found";
    return {
      gate: "iam",
      status: missing ? "fail" : "unknown",
      summary: missing
        ? `The principal ${principalArn} does not exist in the account.`
        : `Could not simulate the principal's policies (${err.gate}: ${err.awsCode ?? "error"}).`,
      evidence: { ...evidence, awsCode: err.awsCode ?? null, message: err.message },
      fix: missing
        ? "Check the principal ARN (account, role or user name, path); assumed-role session ARNs are mapped to their role."
        : "Allow iam:SimulatePrincipalPolicy to the governor's member role, or retry.",
    };
  }
  const first = identityDenied[0];
  if (first !== undefined) {
    const explicit = first.decision === "explicitDeny";
    return {
      gate: "iam",
      status: "fail",
      summary: explicit
        ? `An identity policy of ${principalArn} explicitly denies ${first.action} on ${first.resource}${
            first.matchedPolicies.length ? ` (${first.matchedPolicies.join(", ")})` : ""
          }.`
        : `No identity policy of ${principalArn} allows ${first.action} on ${first.resource}.`,
      evidence: { ...evidence, deniedResources: identityDenied.map((r) => r.resource) },
      fix: explicit
        ? `Remove or narrow the Deny statement in ${first.matchedPolicies.join(", ") || "the principal's policies"} for this model.`
        : `Allow ${[...new Set(identityDenied.map((r) => r.action))].join(", ")} to the principal on ${[
            ...new Set(identityDenied.map((r) => r.resource)),
          ].join(", ")} — a profile needs its ARN and the model ARN in every destination Region.`,
    };
  }
  const masked = outcome.simulations.filter((r) => r.decision !== "allowed");
  if (masked.length > 0)
    return {
      gate: "iam",
      status: "unknown",
      summary: `The organization's policies deny ${masked.length} request(s), which masks the identity-policy decision there.`,
      evidence: { ...evidence, maskedResources: masked.map((r) => r.resource) },
      fix: "Fix the organization-policy gate first, then run the doctor again.",
    };
  return {
    gate: "iam",
    status: outcome.simulations.length > 0 ? "pass" : "unknown",
    summary:
      outcome.simulations.length > 0
        ? `The identity policies of ${principalArn} allow ${outcome.simulations.length} request(s) of the call.`
        : "The identity policies were not reached: an earlier gate decides.",
    evidence,
    fix: null,
  };
}
