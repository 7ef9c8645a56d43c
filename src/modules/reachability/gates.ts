// One function per gate: given the facts and one call path, pass, fail or unknown, with the reason,
// the evidence and who can fix it. Gates are checked in the order of GATES; the engine stops at
// the first failure. Each rule cites the AWS documentation it follows.
import type { EvaluationRequest, ScpEvaluation, ScpLevel } from "../../lib/policy-evaluator.js";
import { globMatch, hasWildcard } from "../catalog/arns.js";
import type { CallContextFacts } from "./call-requests.js";
import { callRequests, subscribeRequests } from "./call-requests.js";
import {
  isAnthropic,
  type ModelTraits,
  type RankedRetentionMode,
  RETENTION_ORDER,
  retentionAllows,
} from "./model-traits.js";
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
const pathRequests = (input: GateInput) => input.requests?.() ?? callRequests(input.path, contextFacts(input));

const pass = (gate: GateCheck["gate"], reason: string, evidence: Evidence[] = []): GateCheck => ({
  gate,
  status: "pass",
  reason,
  evidence,
});
const fail = (
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
const unknown = (gate: GateCheck["gate"], reason: string, evidence: Evidence[] = []): GateCheck => ({
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

/** The License Manager grant that covers the model, if the account received one. */
export function coveringGrant(account: AccountFacts, modelId: string) {
  if (!account.grants.known) return undefined;
  return account.grants.value.find((g) =>
    g.modelIds.some((m) => m === modelId || (hasWildcard(m) && globMatch(m, modelId))),
  );
}

/**
 * Managed entitlements ("Managed Entitlements for Bedrock"): where the account received a License
 * Manager grant for the model, usage runs on it and needs it ACTIVE. Without a grant, AWS's own
 * answer counts: GetFoundationModelAvailability reporting the account not entitled (or, for a
 * model with no use-case form, not authorized) means the call is refused ("You don't have access
 * to the model with the specified model ID").
 */
export function entitlementGate(input: GateInput): GateCheck {
  if (input.path.kind === "claude_platform") return pass("entitlement", "not a Bedrock entitlement");
  const grant = coveringGrant(input.account, input.modelId);
  if (grant !== undefined) {
    const evidence = [
      {
        kind: "grant",
        detail: `License Manager grant ${grant.status}`,
        data: { grantArn: grant.grantArn, status: grant.status },
      },
    ];
    if (grant.status === "ACTIVE") return pass("entitlement", "the managed-entitlement grant is active", evidence);
    return fail(
      "entitlement",
      `the managed-entitlement grant for ${input.modelId} is ${grant.status}`,
      grant.status === "PENDING_ACCEPTANCE" ? "account_owner" : "platform_team",
      evidence,
    );
  }
  const m = input.model;
  if (m?.entitlementAvailability === "NOT_AVAILABLE")
    return fail(
      "entitlement",
      `AWS reports account ${input.account.accountId} not entitled to ${input.modelId}`,
      "platform_team",
      [{ kind: "availability", detail: "entitlementAvailability NOT_AVAILABLE" }],
    );
  if (m?.authorizationStatus === "NOT_AUTHORIZED" && !isAnthropic(input.modelId, m.provider))
    return fail(
      "entitlement",
      `AWS reports account ${input.account.accountId} not authorized for ${input.modelId}`,
      "aws",
      [{ kind: "availability", detail: "authorizationStatus NOT_AUTHORIZED" }],
    );
  return pass(
    "entitlement",
    input.account.grants.known
      ? "no managed entitlement covers the model"
      : `grants not read (${input.account.grants.reason})`,
  );
}

/** The account's Marketplace subscription to the model: the best agreement status in any Region. */
function subscription(account: AccountFacts, modelId: string): { status: string | null; error: string | null } {
  let status: string | null = null;
  let error: string | null = null;
  const rank = (s: string | null) =>
    s === "AVAILABLE" ? 3 : s === "PENDING" ? 2 : s === "ERROR" ? 1 : s === null ? -1 : 0;
  for (const rf of account.regions.values()) {
    const m = rf.models.get(modelId);
    if (m === undefined || rank(m.agreementStatus) <= rank(status)) continue;
    status = m.agreementStatus;
    error = m.agreementError;
  }
  return { status, error };
}

/**
 * Marketplace ("Request access to models"): a third-party model needs the account's AWS Marketplace
 * subscription (one for the account, whatever the Region); the first call starts it in the
 * background when the caller may ViewSubscriptions and Subscribe for the product (subscribeRequests)
 * and the account can buy. A valid payment method is not readable: a failed earlier attempt,
 * agreement ERROR, is the evidence ("If any prerequisites are missing, the subscription attempt
 * fails and subsequent API calls return AccessDeniedException").
 */
export function marketplaceGate(input: GateInput): GateCheck {
  const { traits, path } = input;
  if (!traits.marketplace || path.kind === "claude_platform")
    return pass("marketplace", "sold by AWS: no Marketplace subscription needed");
  const grant = coveringGrant(input.account, input.modelId);
  if (grant?.status === "ACTIVE") return pass("marketplace", "used under the managed entitlement");
  const { status, error } = subscription(input.account, input.modelId);
  const evidence: Evidence[] = [
    { kind: "availability", detail: `agreement ${status ?? "not read"}`, data: { agreementStatus: status } },
  ];
  if (status === "AVAILABLE") return pass("marketplace", "the Marketplace subscription is in place", evidence);
  if (status === "PENDING") return pass("marketplace", "the Marketplace subscription is being finalized", evidence);
  if (status === "ERROR")
    return fail(
      "marketplace",
      `the Marketplace subscription failed: ${error ?? "no reason given"}`,
      "account_owner",
      evidence,
    );
  // Never used (NOT_AVAILABLE) or not read: the call subscribes if the caller may.
  const requests = subscribeRequests(contextFacts(input), traits.productId);
  const scp = checkScps(input, requests, "marketplace");
  if (scp) return { ...scp, reason: `the first call cannot subscribe: ${scp.reason}` };
  if (input.principal.kind === "principal") {
    for (const req of requests) {
      const answer = input.principal.iam(req);
      if (answer === "denied")
        return fail(
          "marketplace",
          `${input.principal.arn} may not ${req.action}: the first call cannot subscribe`,
          "account_owner",
        );
      if (answer === undefined)
        return unknown("marketplace", `${input.principal.arn}'s Marketplace permissions are not known`);
    }
  }
  return pass("marketplace", "the first call subscribes the account (Marketplace permissions allowed)", evidence);
}

/**
 * Anthropic use case ("Request access to models"): once per account or once in the management
 * account; it does not apply on bedrock-mantle. Only AWS's answer that the account is not
 * authorized blocks; a form missing in a member says nothing when the management account filed it.
 */
export function useCaseGate(input: GateInput): GateCheck {
  const { model, path } = input;
  if (!isAnthropic(input.modelId, model?.provider ?? "") || path.kind === "mantle" || path.kind === "claude_platform")
    return pass("use_case", "no use-case form needed");
  const auth = model?.authorizationStatus ?? null;
  if (auth === "AUTHORIZED") return pass("use_case", "AWS reports the account authorized");
  if (auth === "NOT_AUTHORIZED")
    return fail(
      "use_case",
      "AWS reports the account not authorized: the Anthropic use-case form is not on file",
      "account_owner",
      [{ kind: "availability", detail: "authorizationStatus NOT_AUTHORIZED" }],
    );
  if (input.account.useCaseOnFile.known && input.account.useCaseOnFile.value)
    return pass("use_case", "the account's use-case form is on file");
  return unknown(
    "use_case",
    model?.availabilityError
      ? `the model's availability could not be read: ${model.availabilityError}`
      : "AWS did not report the authorization status (the form may be on file in the management account)",
  );
}

/** The modes the model runs under: what bedrock-mantle reported for it, else AWS's table. */
function allowedModes(input: GateInput): readonly RankedRetentionMode[] | undefined {
  if (input.path.kind === "mantle" && input.regionFacts.mantleModels.known) {
    const m = input.regionFacts.mantleModels.value.find((x) => x.mantleId === input.path.mantleId);
    const modes = m?.allowedModes?.filter((x): x is RankedRetentionMode =>
      (RETENTION_ORDER as readonly string[]).includes(x),
    );
    if (modes && modes.length > 0) return modes;
  }
  return input.traits.retentionModes;
}

/**
 * Data retention ("Data retention"): a model that requires retention is refused where the
 * effective mode is below what it needs (zero retention, `none`, being the usual case).
 */
export function retentionGate(input: GateInput): GateCheck {
  if (input.path.kind === "claude_platform") return pass("data_retention", "governed by Claude Platform settings");
  const modes = allowedModes(input);
  const mode = retentionFor(input);
  if (modes === undefined) return pass("data_retention", `no retention requirement${mode ? ` (mode ${mode})` : ""}`);
  if (mode === undefined)
    return unknown(
      "data_retention",
      `${input.modelId} runs only under ${modes.join(" or ")} (or more) and the retention mode is not known${input.regionFacts.dataRetention.known ? "" : `: ${input.regionFacts.dataRetention.reason}`}`,
    );
  const evidence = [{ kind: "retention", detail: `effective mode ${mode}`, data: { mode, allowedModes: [...modes] } }];
  if (retentionAllows(modes, mode as RankedRetentionMode))
    return pass("data_retention", `retention mode ${mode} allows ${input.modelId}`, evidence);
  return fail(
    "data_retention",
    `${input.modelId} needs data-retention mode ${modes.join(" or ")} (or more) and the effective mode is ${mode}`,
    "platform_team",
    evidence,
  );
}

/** In the order of GATES. */
export const GATE_CHECKS = [
  credentialsGate,
  bedrockPolicyGate,
  regionGate,
  orgPolicyGate,
  iamGate,
  lifecycleGate,
  retentionGate,
  entitlementGate,
  useCaseGate,
  marketplaceGate,
] as const;
