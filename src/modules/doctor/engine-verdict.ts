// The doctor's verdict is the reachability engine's, on live facts: the engine decides every gate;
// the doctor's live readers add their evidence and fix texts. IAM is answered by
// iam:SimulatePrincipalPolicy for exactly the requests the engine evaluates a path as.
import type { AccountApis } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import type { EvaluationRequest } from "../../lib/policy-evaluator.js";
import { type CallContextFacts, callRequests } from "../reachability/call-requests.js";
import { createReachabilityEngine } from "../reachability/engine.js";
import {
  type AccountFacts,
  GATES,
  type Gate,
  type GateCheck,
  type ModelVerdict,
  type PathVerdict,
  type PrincipalClass,
  pathName,
} from "../reachability/reachability.types.js";
import type { GateResult, LiveReading } from "./doctor.types.js";
import { iamKey } from "./live-facts.js";

/** Keys the simulator sets itself (the principal's) or does not take. */
const NOT_SIMULATED = new Set(["aws:principalarn", "aws:principalaccount", "aws:principalorgid"]);

export interface Simulation {
  action: string;
  resource: string;
  decision: string;
  allowedByOrganizations: boolean | null;
  matchedPolicies: string[];
}

type Answer = "allowed" | "denied" | undefined;

async function simulate(
  apis: AccountApis,
  principalArn: string,
  req: EvaluationRequest,
): Promise<{ answer: Answer; row?: Simulation; error?: AwsGateError }> {
  const context = Object.entries(req.context ?? {})
    .filter(([k, v]) => !NOT_SIMULATED.has(k.toLowerCase()) && (typeof v === "string" || Array.isArray(v)))
    .map(([k, v]) => ({
      ContextKeyName: k,
      ContextKeyType: Array.isArray(v) ? ("stringList" as const) : ("string" as const),
      ContextKeyValues: (Array.isArray(v) ? v : [v]).map(String),
    }));
  try {
    const [r] = await apis.iam().simulatePrincipalPolicy({
      principalArn,
      actions: [req.action],
      resources: [req.resource],
      context,
    });
    const row: Simulation = {
      action: req.action,
      resource: req.resource,
      decision: r?.EvalDecision ?? "implicitDeny",
      allowedByOrganizations: r?.OrganizationsDecisionDetail?.AllowedByOrganizations ?? null,
      matchedPolicies: [...new Set((r?.MatchedStatements ?? []).map((m) => m.SourcePolicyId ?? "?"))],
    };
    // Where Organizations decided, the identity side is masked: the engine judges SCPs itself.
    const answer: Answer =
      row.decision === "allowed" ? "allowed" : row.allowedByOrganizations === false ? undefined : "denied";
    return { answer, row };
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    return { answer: err.gate === "not_found" ? "denied" : undefined, error: err };
  }
}

export interface EngineOutcome {
  verdict: ModelVerdict;
  simulations: Simulation[];
  simulationError?: AwsGateError;
}

/**
 * Judges `modelId` in the account-Region. With a principal, the IAM gate asks the simulator the
 * requests the engine builds, round by round until every question a path reaches is answered.
 */
export async function judgeLive(input: {
  apis: AccountApis;
  facts: AccountFacts;
  region: string;
  modelId: string;
  principalArn: string | undefined;
  /** The caller asked about the direct call (a model id, not a profile). */
  direct: boolean;
  now: Date;
}): Promise<EngineOutcome> {
  const answers = new Map<string, Answer>();
  const simulations: Simulation[] = [];
  let simulationError: AwsGateError | undefined;
  const engine = createReachabilityEngine({ now: input.now });
  for (let round = 0; ; round++) {
    const asked = new Map<string, EvaluationRequest>();
    const principal: PrincipalClass = {
      kind: "principal",
      arn: input.principalArn ?? "the caller",
      iam(req) {
        const key = iamKey(req);
        if (!answers.has(key) && input.principalArn !== undefined) asked.set(key, req);
        return answers.get(key);
      },
    };
    const verdict = engine.evaluate(input.facts, input.region, input.modelId, principal, { direct: input.direct });
    if (asked.size === 0 || round >= 8 || input.principalArn === undefined)
      return { verdict, simulations, ...(simulationError ? { simulationError } : {}) };
    for (const [key, req] of asked) {
      const out = await simulate(input.apis, input.principalArn, req);
      answers.set(key, out.answer);
      if (out.row) simulations.push(out.row);
      simulationError ??= out.error;
    }
  }
}

/** The simulations of the requests one path is evaluated as. */
export function simulationsOf(
  path: PathVerdict | undefined,
  facts: Omit<CallContextFacts, "auth">,
  all: readonly Simulation[],
): Simulation[] {
  if (path === undefined) return [];
  const wanted = new Set(callRequests(path.path, { ...facts, auth: "sigv4" }).map((r) => `${r.action} ${r.resource}`));
  return all.filter((s) => wanted.has(`${s.action} ${s.resource}`));
}

/** The path the doctor reports on: the profile asked for, else the direct call, else the first. */
export function requestedPath(verdict: ModelVerdict, profileId: string | undefined): PathVerdict | undefined {
  if (profileId !== undefined) return verdict.paths.find((p) => pathName(p.path) === profileId);
  return verdict.paths.find((p) => p.path.kind === "direct") ?? verdict.paths[0];
}

/** What to do when the engine fails a gate and no live reader has a better fix. */
const GENERIC_FIX: Record<Gate, string> = {
  credentials: "Deploy the governor's member role in the account and check its trust policy.",
  bedrock_policy:
    "Correct the guardrail identifier in the organization's BEDROCK_POLICY (a numbered version of a guardrail the management account owns): until then every Bedrock Runtime call in the account fails.",
  region:
    "Call the model in a Region that offers it on demand, or through an inference profile that serves this Region.",
  org_policy: "Change the SCP that denies the call, or ask the platform team for an exception.",
  iam: "Allow the principal the actions named in the evidence on the resources named there.",
  lifecycle: "Move to an active model: this one is past its end of life or Legacy and unused here for 30 days.",
  data_retention:
    "Set a data-retention mode the model runs under (PutAccountDataRetention, or the bedrock-mantle project's mode).",
  entitlement: "Activate the License Manager grant for the model in this account, or ask AWS for the entitlement.",
  use_case: "Submit the Anthropic use-case form (PutUseCaseForModelAccess) for the account or the organization.",
  marketplace:
    "Let the caller subscribe (aws-marketplace:Subscribe and ViewSubscriptions for the model's product), or fix the failed subscription.",
};

/** Which live reader's result carries the evidence of an engine gate. */
const LIVE_READER: Partial<Record<Gate, string>> = {
  credentials: "credentials",
  region: "region",
  org_policy: "org_policy",
  iam: "iam",
  lifecycle: "model_access",
  data_retention: "model_access",
  entitlement: "model_access",
  use_case: "model_access",
  marketplace: "model_access",
};

const sentence = (s: string) => {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
};

/**
 * The report's gates, in the engine's order: status and reason from the engine's check; evidence
 * and fix from the live reader of that gate when it saw the same thing.
 */
export function gateResults(path: PathVerdict | undefined, live: ReadonlyMap<string, LiveReading>): GateResult[] {
  const checks = new Map<Gate, GateCheck>((path?.checks ?? []).map((c) => [c.gate, c]));
  const stop = path && path.status !== "usable" ? path.gate : null;
  return GATES.map((gate): GateResult => {
    const check = checks.get(gate);
    const reader = LIVE_READER[gate];
    const seen = reader ? live.get(reader) : undefined;
    if (check === undefined)
      return {
        gate,
        status: "unknown",
        summary: path
          ? `Not checked: the ${stop ?? "earlier"} gate ${path.status === "blocked" ? "fails" : "cannot be judged"} first.`
          : "Not checked: no call path to the model was found.",
        evidence: seen && seen.status !== "pass" ? { live: seen.evidence } : {},
        fix: null,
      };
    const agrees = seen !== undefined && seen.status === check.status;
    const evidence: Record<string, unknown> = {
      ...(seen ? seen.evidence : {}),
      ...(check.evidence.length > 0 ? { engine: check.evidence } : {}),
      ...(check.fixOwner ? { fixOwner: check.fixOwner } : {}),
    };
    return {
      gate,
      status: check.status,
      summary: agrees && gate !== "lifecycle" && reader !== "model_access" ? seen.summary : sentence(check.reason),
      evidence,
      fix:
        check.status === "pass"
          ? null
          : ((agrees || (seen?.status === "fail" && check.status === "fail") ? seen?.fix : null) ??
            (check.status === "fail" ? GENERIC_FIX[gate] : (seen?.fix ?? null))),
    };
  });
}
