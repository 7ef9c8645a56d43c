import { globMatch, hasWildcard } from "../catalog/arns.js";
import { subscribeRequests } from "./call-requests.js";
import { checkScps, contextFacts, fail, type GateInput, pass, retentionFor, unknown } from "./gates.js";
import { isAnthropic, type RankedRetentionMode, RETENTION_ORDER, retentionAllows } from "./model-traits.js";
import type { AccountFacts, Evidence, GateCheck } from "./reachability.types.js";

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
    return pass(
      "marketplace",
      "no Marketplace subscription needed (sold by AWS, or nothing shows an agreement to make)",
    );
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
