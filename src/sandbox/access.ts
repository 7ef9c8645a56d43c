// Effective permissions for a caller: the SCPs on the account's path (the management account is
// exempt, as in AWS) and the identity policies the scenario gives its principal.
import {
  type EvaluationRequest,
  evaluatePolicies,
  evaluateScps,
  type NamedPolicy,
  parsePolicyDocument,
  type ScpEvaluation,
  type ScpLevel,
} from "./policy-evaluator.js";
import { pathToRoot, type SandboxState } from "./state.js";

export function scpLevels(state: SandboxState, accountId: string): ScpLevel[] {
  const scps = [...state.policies.values()].filter((p) => p.type === "SERVICE_CONTROL_POLICY");
  return pathToRoot(state, accountId).map((targetId) => ({
    targetId,
    policies: scps
      .filter((p) => p.targets.has(targetId))
      .map((p): NamedPolicy => ({ id: p.id, document: parsePolicyDocument(p.content) })),
  }));
}

/** undefined when SCPs do not apply (the management account). */
export function scpDecision(state: SandboxState, accountId: string, req: EvaluationRequest): ScpEvaluation | undefined {
  if (accountId === state.organization.managementAccountId) return undefined;
  return evaluateScps(scpLevels(state, accountId), req);
}

/** The scenario's identity policies for a principal, or undefined when the scenario does not describe it. */
export function identityPolicies(
  state: SandboxState,
  accountId: string,
  principalArn: string,
): NamedPolicy[] | undefined {
  return state.accounts.get(accountId)?.principals.get(principalArn);
}

export type DenialSource = "scp-explicit" | "scp-implicit" | "identity-explicit" | "identity-implicit";

export interface AccessCheck {
  allowed: boolean;
  source?: DenialSource;
  resource?: string;
}

/** Checks every request (resource) the action needs; the first denial wins. */
export function checkAccess(
  state: SandboxState,
  accountId: string,
  principalArn: string,
  requests: readonly EvaluationRequest[],
): AccessCheck {
  const identity = identityPolicies(state, accountId, principalArn);
  for (const req of requests) {
    const scp = scpDecision(state, accountId, req);
    if (scp?.decision === "explicitDeny") return { allowed: false, source: "scp-explicit", resource: req.resource };
    if (identity !== undefined) {
      const ev = evaluatePolicies(identity, req);
      if (ev.decision === "explicitDeny")
        return { allowed: false, source: "identity-explicit", resource: req.resource };
      if (scp?.decision === "implicitDeny") return { allowed: false, source: "scp-implicit", resource: req.resource };
      if (ev.decision === "implicitDeny")
        return { allowed: false, source: "identity-implicit", resource: req.resource };
    } else if (scp?.decision === "implicitDeny")
      return { allowed: false, source: "scp-implicit", resource: req.resource };
  }
  return { allowed: true };
}

export function denialMessage(callerArn: string, action: string, check: AccessCheck): string {
  const base = `User: ${callerArn} is not authorized to perform: ${action} on resource: ${check.resource}`;
  switch (check.source) {
    case "scp-explicit":
      return `${base} with an explicit deny in a service control policy`;
    case "scp-implicit":
      return `${base} because no service control policy allows the ${action} action`;
    case "identity-explicit":
      return `${base} with an explicit deny in an identity-based policy`;
    default:
      return `${base} because no identity-based policy allows the ${action} action`;
  }
}
