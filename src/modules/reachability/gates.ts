// One function per gate: given the facts and one call path, pass, fail or unknown, with the reason,
// the evidence and who can fix it. Gates are checked in the order of GATES; the engine stops at
// the first failure. Each rule cites the AWS documentation it follows.
import type { EvaluationRequest, ScpEvaluation, ScpLevel } from "../../lib/policy-evaluator.js";
import type { CallContextFacts } from "./call-requests.js";
import { callRequests } from "./call-requests.js";
import type { ModelTraits } from "./model-traits.js";
import type {
  AccountFacts,
  CallPath,
  Evidence,
  GateCheck,
  ModelFacts,
  PrincipalClass,
  RegionFacts,
  RetentionMode,
} from "./reachability.types.js";

/** What a gate sees. */
export interface GateInput {
  account: AccountFacts;
  regionFacts: RegionFacts;
  /** The model in the source Region (undefined: not listed there). */
  model: ModelFacts | undefined;
  modelId: string;
  traits: ModelTraits;
  path: CallPath;
  principal: PrincipalClass;
  now: Date;
  /** SCP evaluation of one request for this account (memoized by the engine). */
  scp(levels: readonly ScpLevel[], req: EvaluationRequest): ScpEvaluation;
  /** The path's requests, built once per path (the engine caches them across gates). */
  requests?: () => EvaluationRequest[];
}

/** The requests a call on the input's path is evaluated as. */
export const pathRequests = (input: GateInput) => input.requests?.() ?? callRequests(input.path, contextFacts(input));

export const pass = (gate: GateCheck["gate"], reason: string, evidence: Evidence[] = []): GateCheck => ({
  gate,
  status: "pass",
  reason,
  evidence,
});
export const fail = (
  gate: GateCheck["gate"],
  reason: string,
  fixOwner: GateCheck["fixOwner"],
  evidence: Evidence[] = [],
): GateCheck => ({
  gate,
  status: "fail",
  reason,
  evidence,
  ...(fixOwner ? { fixOwner } : {}),
});
export const unknown = (gate: GateCheck["gate"], reason: string, evidence: Evidence[] = []): GateCheck => ({
  gate,
  status: "unknown",
  reason,
  evidence,
});

const onRuntime = (p: CallPath) => p.kind === "direct" || p.kind === "profile" || p.kind === "global_profile";

/**
 * The retention mode that governs a call ("Data retention"): a mantle project's own mode when it
 * sets one, else the account-Region's; `inherit` means the model's default (`default` unless AWS
 * says otherwise). undefined when the account-Region's mode could not be read.
 */
export function retentionFor(
  input: Pick<GateInput, "regionFacts" | "path"> & { traits?: Pick<ModelTraits, "retentionModes"> },
): RetentionMode | undefined {
  if (input.path.kind === "mantle" && input.regionFacts.mantleProjects.known) {
    const project = input.regionFacts.mantleProjects.value.find((p) => p.arn === input.path.projectArn);
    if (project?.retentionMode && project.retentionMode !== "inherit") return project.retentionMode;
  }
  if (!input.regionFacts.dataRetention.known) return undefined;
  const mode = input.regionFacts.dataRetention.value;
  return mode === "inherit" ? "default" : mode;
}

export function contextFacts(input: GateInput): CallContextFacts {
  return {
    accountId: input.account.accountId,
    region: input.regionFacts.region,
    modelId: input.modelId,
    ...(input.principal.kind === "principal" ? { principalArn: input.principal.arn } : {}),
    auth: input.principal.auth ?? "sigv4",
  };
}

/** The facts could be read (the account-Region synced). */
export function credentialsGate({ regionFacts: rf }: GateInput): GateCheck {
  if (rf.status === "never") return unknown("credentials", `${rf.region} has not been synced yet`);
  if (rf.status === "error" && rf.models.size === 0)
    return unknown(
      "credentials",
      `the service could not read ${rf.region}${rf.errorGate ? ` (${rf.errorGate})` : ""}: ${rf.errorMessage ?? "no successful sync"}`,
    );
  const stale: Evidence[] =
    rf.status === "error"
      ? [
          {
            kind: "fact",
            detail: `the last sync failed (${rf.errorGate ?? "error"}); facts are from the last successful one`,
          },
        ]
      : [];
  return pass("credentials", "the account-Region was read", stale);
}

/**
 * The Region offers the model on this path: listed (and not NOT_AVAILABLE) and invokable on demand
 * for a direct call — PROVISIONED-only variants and profile-only models have no direct path
 * ("Supported foundation models", ListFoundationModels `inferenceTypesSupported`); a profile path
 * needs the profile in the source Region.
 */
export function regionGate(input: GateInput): GateCheck {
  const { regionFacts: rf, model, path } = input;
  if (rf.status === "disabled")
    return fail("region", `${rf.region} is an opt-in Region the account has not enabled`, "account_owner");
  if (path.kind === "direct") {
    if (model === undefined) return fail("region", `${input.modelId} is not offered in ${rf.region}`, "aws");
    if (model.regionAvailability === "NOT_AVAILABLE")
      return fail("region", `${input.modelId} is not available in ${rf.region} for this account`, "aws", [
        { kind: "availability", detail: "GetFoundationModelAvailability regionAvailability NOT_AVAILABLE" },
      ]);
    if (!model.inferenceTypes.includes("ON_DEMAND"))
      return fail(
        "region",
        model.inferenceTypes.includes("PROVISIONED") && model.inferenceTypes.length === 1
          ? `${input.modelId} is a Provisioned Throughput variant, not invokable on demand`
          : `${input.modelId} is invokable only through an inference profile`,
        "requester",
        [{ kind: "fact", detail: `inference types ${model.inferenceTypes.join(", ") || "none"}` }],
      );
    return pass("region", `${rf.region} offers ${input.modelId} on demand`);
  }
  if (path.kind === "profile" || path.kind === "global_profile") {
    const profile = rf.profiles.get(path.profileId as string);
    if (profile === undefined) return fail("region", `profile ${path.profileId} has no source in ${rf.region}`, "aws");
    return pass("region", `profile ${path.profileId} can be called from ${rf.region}`);
  }
  return pass("region", `${path.kind} serves ${rf.region}`);
}

/**
 * Lifecycle ("Model lifecycle"): past its end of life a model answers no one; a Legacy model is
 * closed to accounts that are new to it or have not used it in the last 30 days (the account's
 * recent calls, from CloudTrail, tell).
 */
export function lifecycleGate({ account, model, modelId, now }: GateInput): GateCheck {
  if (model === undefined) return pass("lifecycle", "no lifecycle information");
  const dates = {
    legacyTime: model.legacyTime?.toISOString() ?? null,
    publicExtendedAccessTime: model.publicExtendedAccessTime?.toISOString() ?? null,
    endOfLifeTime: model.endOfLifeTime?.toISOString() ?? null,
  };
  if (model.endOfLifeTime !== null && model.endOfLifeTime.getTime() <= now.getTime())
    return fail(
      "lifecycle",
      `${modelId} reached its end of life on ${model.endOfLifeTime.toISOString()}`,
      "requester",
      [{ kind: "fact", detail: `lifecycle ${model.lifecycleStatus ?? "?"}`, data: dates }],
    );
  if (model.lifecycleStatus !== "LEGACY") return pass("lifecycle", "active");
  const evidence = [{ kind: "fact", detail: "lifecycle LEGACY", data: dates }];
  if (!account.recentlyUsed.known)
    return unknown(
      "lifecycle",
      `${modelId} is Legacy: open only to accounts that used it in the last 30 days, and the account's recent calls are not known (${account.recentlyUsed.reason})`,
      evidence,
    );
  if (account.recentlyUsed.value.has(modelId))
    return pass("lifecycle", `${modelId} is Legacy, and the account used it in the last 30 days`, evidence);
  return fail(
    "lifecycle",
    `${modelId} is Legacy and the account has not used it in the last 30 days`,
    "requester",
    evidence,
  );
}

/**
 * Organizations BEDROCK_POLICY (enforced guardrails): a malformed guardrail identifier makes every
 * Bedrock call in scope fail ("Best practices for using Amazon Bedrock policies").
 */
export function bedrockPolicyGate({ account, path }: GateInput): GateCheck {
  if (!onRuntime(path)) return pass("bedrock_policy", "Bedrock policies govern bedrock-runtime calls");
  if (!account.bedrockPolicy.known) return unknown("bedrock_policy", account.bedrockPolicy.reason);
  const p = account.bedrockPolicy.value;
  if (p.invalidGuardrails.length > 0)
    return fail(
      "bedrock_policy",
      `the effective Bedrock policy names a malformed guardrail (${p.invalidGuardrails.join(", ")}): every Bedrock call in scope fails`,
      "platform_team",
      [
        {
          kind: "policy",
          detail: "BEDROCK_POLICY",
          data: { policyIds: [...p.policyIds], invalidGuardrails: [...p.invalidGuardrails] },
        },
      ],
    );
  return pass(
    "bedrock_policy",
    p.policyIds.length === 0 ? "no Bedrock policy applies" : "the Bedrock policy is well-formed",
  );
}

function scpEvidence(req: EvaluationRequest, ev: ScpEvaluation): Evidence {
  return {
    kind: "scp",
    detail:
      ev.decision === "explicitDeny"
        ? `an SCP denies ${req.action} on ${req.resource}`
        : `no SCP at ${ev.missingAllowAt} allows ${req.action} on ${req.resource}`,
    data: {
      action: req.action,
      resource: req.resource,
      decision: ev.decision,
      ...(ev.missingAllowAt !== undefined ? { missingAllowAt: ev.missingAllowAt } : {}),
      matched: ev.matched.map((m) => ({ policyId: m.policyId, sid: m.sid ?? null, statementIndex: m.statementIndex })),
    },
  };
}

/** Service control policies on every request the call is evaluated as (not in the management account). */
export function checkScps(
  input: GateInput,
  requests: readonly EvaluationRequest[],
  gate: "org_policy" | "marketplace",
): GateCheck | undefined {
  const { account } = input;
  if (account.management) return undefined;
  if (account.scps === undefined) return unknown(gate, "the account's SCPs are not known");
  for (const req of requests) {
    const ev = input.scp(account.scps, req);
    if (ev.decision !== "allowed") {
      const why = scpEvidence(req, ev);
      return fail(gate, why.detail, "platform_team", [why]);
    }
  }
  return undefined;
}

export function orgPolicyGate(input: GateInput): GateCheck {
  if (input.account.management) return pass("org_policy", "SCPs do not apply to the management account");
  const requests = pathRequests(input);
  return checkScps(input, requests, "org_policy") ?? pass("org_policy", `the SCPs allow ${requests.length} request(s)`);
}

/** Identity policies: assumed to allow for `any` principal; decided by the caller's IAM answers otherwise. */
export function iamGate(input: GateInput): GateCheck {
  const { principal } = input;
  if (principal.kind === "any") return pass("iam", "judged for a principal whose identity policies allow the call");
  for (const req of pathRequests(input)) {
    const answer = principal.iam(req);
    if (answer === "denied")
      return fail("iam", `${principal.arn} may not ${req.action} on ${req.resource}`, "account_owner", [
        {
          kind: "iam",
          detail: "identity policies deny or do not allow",
          data: { action: req.action, resource: req.resource },
        },
      ]);
    if (answer === undefined) return unknown("iam", `${principal.arn}'s permission for ${req.action} is not known`);
  }
  return pass("iam", `${principal.arn}'s identity policies allow the call`);
}
