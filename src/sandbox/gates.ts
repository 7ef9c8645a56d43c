// The checks Amazon Bedrock makes before it runs an inference, one function per gate, each citing
// the AWS page it follows. Surfaces (bedrock-runtime, bedrock-mantle) call them in the order
// documented in docs/sandbox.md ("Invoke-time gates"); each throws the Bedrock error AWS answers.
import { checkAccess, denialMessage } from "./access.js";
import { malformedGuardrail } from "./bedrock-policy.js";
import type { CallContext, Caller } from "./context.js";
import { entitlementStatus } from "./entitlements.js";
import { AwsError } from "./errors.js";
import type { EvaluationRequest } from "./policy-evaluator.js";
import type { ModelRetentionMode } from "./scenario-access-schema.js";
import { accessOverride, agreementFor, type SandboxAccount, type SandboxModel, type SandboxState } from "./state.js";
import type { MantleProject } from "./state-types.js";

/** [doc re:Post "AccessDeniedException … when I call the InvokeModel API"] */
export const NO_MODEL_ACCESS = "You don't have access to the model with the specified model ID.";

const baseContext = (caller: Caller, region: string) => ({
  "aws:PrincipalArn": caller.principalArn,
  "aws:PrincipalAccount": caller.account,
  "aws:RequestedRegion": region,
});

/** Evaluates requests against the SCPs on the account's path and the caller's identity policies. */
export function iamGate(state: SandboxState, caller: Caller, action: string, requests: EvaluationRequest[]): void {
  const check = checkAccess(state, caller.account, caller.principalArn, requests);
  if (!check.allowed) throw new AwsError("AccessDeniedException", denialMessage(caller.arn, action, check), 403);
}

/**
 * Authorizes the caller's `action` on one resource of the call's Region, with the caller's and the
 * Region's condition keys and any the action adds.
 */
export function authorizeCall(
  ctx: CallContext,
  action: string,
  resource: string,
  extraContext: Record<string, string | string[]> = {},
): void {
  iamGate(ctx.state, ctx.caller, action, [
    { action, resource, context: { ...baseContext(ctx.caller, ctx.region), ...extraContext } },
  ]);
}

/**
 * Using an API key is itself authorized: `bedrock:CallWithBearerToken` (condition key
 * `bedrock:bearerTokenType` SHORT_TERM | LONG_TERM) or, on bedrock-mantle,
 * `bedrock-mantle:CallWithBearerToken` with `bedrock-mantle:BearerTokenType`
 * [doc "Control permissions for generating and using Amazon Bedrock API keys"].
 */
export function bearerGate(state: SandboxState, caller: Caller, prefix: "bedrock" | "bedrock-mantle", region: string) {
  if (caller.bearer === undefined) return;
  const action = `${prefix}:CallWithBearerToken`;
  const key = prefix === "bedrock" ? "bedrock:bearerTokenType" : "bedrock-mantle:BearerTokenType";
  iamGate(state, caller, action, [
    { action, resource: "*", context: { ...baseContext(caller, region), [key]: caller.bearer.type } },
  ]);
}

/**
 * A malformed guardrail identifier in the account's effective BEDROCK_POLICY "will cause all Amazon
 * Bedrock API calls across the target organization to fail" [doc "Best practices for using Amazon
 * Bedrock policies"]. [?] The error and whether control-plane and bedrock-mantle calls fail too are
 * not published: scenario `bedrockPolicyFailure` (default: every Bedrock call, AccessDeniedException).
 */
export function bedrockPolicyGate(state: SandboxState, accountId: string, surface: "control" | "invoke" | "mantle") {
  const sw = state.switches.bedrockPolicyFailure;
  if (surface === "control" && sw.scope === "invocations") return;
  if (surface === "mantle" && !sw.mantle) return;
  const bad = malformedGuardrail(state, accountId);
  if (bad === undefined) return;
  const message = `The effective Amazon Bedrock policy of this account is not valid: the guardrail identifier '${bad}' is malformed.`;
  throw new AwsError(sw.error, message, sw.error === "AccessDeniedException" ? 403 : 400);
}

/** The scenario's per-account availability overrides (entitlement, authorization, Region availability). */
export function overrideGate(account: SandboxAccount, region: string, model: SandboxModel): void {
  const o = accessOverride(account, region, model.id);
  if (
    o?.entitlement === "NOT_AVAILABLE" ||
    o?.authorization === "NOT_AUTHORIZED" ||
    o?.regionAvailability === "NOT_AVAILABLE"
  )
    throw new AwsError("AccessDeniedException", NO_MODEL_ACCESS, 403);
}

/** Whether the account actively used a model in the 30 days before `now` (scenario or CloudTrail). */
export function activelyUsed(state: SandboxState, account: SandboxAccount, model: SandboxModel, now: Date): boolean {
  const explicit = account.legacyModelActivity.get(model.id);
  if (explicit !== undefined) return explicit === "active";
  const since = now.getTime() - 30 * 86_400_000;
  const servedBy = (id: string) =>
    id === model.id || state.profiles.get(id)?.modelId === model.id || id.endsWith(`/${model.id}`);
  return state.trail.events.some(
    (e) =>
      e.account === account.id &&
      e.eventTime.getTime() >= since &&
      e.eventTime.getTime() <= now.getTime() &&
      e.record.errorCode === undefined &&
      servedBy(e.modelId),
  );
}

/**
 * Lifecycle: "New customers can't use Legacy models, and existing customers may lose access due to
 * inactivity"; after the EOL date requests fail [doc "Model lifecycle"]. [3p] The refusal is a 404
 * "…marked by provider as Legacy and you have not been actively using the model in the last 30 days…".
 */
export function lifecycleGate(state: SandboxState, account: SandboxAccount, model: SandboxModel, now: Date): void {
  const eol = model.lifecycle.endOfLifeTime;
  if (eol !== undefined && Date.parse(eol) <= now.getTime())
    throw new AwsError(
      "ResourceNotFoundException",
      "This model version has reached the end of its life. Please refer to the AWS documentation for more details.",
      404,
    );
  if (model.lifecycle.status !== "LEGACY" || activelyUsed(state, account, model, now)) return;
  throw new AwsError(
    "ResourceNotFoundException",
    "Access denied. This Model is marked by provider as Legacy and you have not been actively using the model in the last 30 days. Please upgrade to an active model on Amazon Bedrock",
    404,
  );
}

const RETENTION_ORDER: ModelRetentionMode[] = ["none", "default", "aws_review", "provider_data_share"];

/** Effective mode = first non-inherit of (project → account-Region → model default) [doc "Data retention"]. */
export function effectiveRetention(
  state: SandboxState,
  accountId: string,
  region: string,
  model: SandboxModel,
  project?: MantleProject,
): { mode: ModelRetentionMode; source: "project" | "account" | "model" } {
  if (project !== undefined && project.retention !== "inherit" && project.id !== "default")
    return { mode: project.retention, source: "project" };
  const acct = state.retention.byAccountRegion.get(`${accountId}|${region}`)?.mode ?? state.retention.defaultMode;
  if (acct !== "inherit") return { mode: acct, source: "account" };
  return { mode: model.retention.defaultMode, source: "model" };
}

/** Whether a model can run under the effective mode: some allowed mode at or below it. */
export function retentionAllows(model: SandboxModel, mode: ModelRetentionMode): boolean {
  const ceiling = RETENTION_ORDER.indexOf(mode);
  return model.retention.allowedModes.some((m) => RETENTION_ORDER.indexOf(m) <= ceiling);
}

/**
 * "If your account … or project is configured for zero data retention and you invoke a model that
 * requires retention, Amazon Bedrock will block the request and return an error" [doc "Data
 * retention"]; [3p] bedrock-runtime answers 400 "data retention mode 'default' is not available for
 * this model".
 */
export function retentionGate(
  state: SandboxState,
  accountId: string,
  region: string,
  model: SandboxModel,
  project?: MantleProject,
): void {
  const { mode } = effectiveRetention(state, accountId, region, model, project);
  if (!retentionAllows(model, mode))
    throw new AwsError("ValidationException", `data retention mode '${mode}' is not available for this model`, 400);
}

/**
 * Managed entitlements: a model the scenario provides to this account through a License Manager
 * grant needs an ACTIVE received grant ("If the status shows Disabled, you must activate the grant
 * … Pending Acceptance, you must first accept the grant") [doc "Using third-party Bedrock models
 * with granted licenses"]. [?] The refusal's wording is not published: the generic model-access
 * AccessDeniedException. Returns true when the grant replaces the account's own subscription.
 */
export function entitlementGate(state: SandboxState, account: SandboxAccount, model: SandboxModel): boolean {
  if (!account.managedEntitlementModels.has(model.id)) return false;
  if (entitlementStatus(state, account.id, model.id) !== "ACTIVE")
    throw new AwsError("AccessDeniedException", NO_MODEL_ACCESS, 403);
  return true;
}

/**
 * Anthropic models need the first-time-use form "once per account, or once in the organization's
 * management account" [doc "Request access to models"]; not on bedrock-mantle.
 */
export function useCaseGate(state: SandboxState, account: SandboxAccount, model: SandboxModel): void {
  if (model.provider.toLowerCase() !== "anthropic") return;
  const mgmt = state.accounts.get(state.organization.managementAccountId);
  if (account.useCaseFormData !== undefined || mgmt?.useCaseFormData !== undefined) return;
  throw new AwsError(
    "AccessDeniedException",
    "Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.",
    403,
  );
}

const MARKETPLACE_SUFFIX =
  "Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 2 minutes.";

/** Whether the account already subscribed (agreement AVAILABLE, or PENDING while it completes) in any Region. */
export function subscribed(state: SandboxState, account: SandboxAccount, model: SandboxModel, nowMs: number): boolean {
  return account.regions.some((r) => {
    if (!model.regions.has(r)) return false;
    const s = agreementFor(state, account, r, model, nowMs).status;
    return s === "AVAILABLE" || s === "PENDING";
  });
}

/**
 * Third-party (Marketplace) models: "When you invoke a third-party model for the first time …
 * Amazon Bedrock automatically initiates the subscription process in the background … your API
 * calls may succeed temporarily". Prerequisites: aws-marketplace:Subscribe / Unsubscribe /
 * ViewSubscriptions and a valid payment method; missing ones → AccessDeniedException [doc "Request
 * access to models"]. The condition key aws-marketplace:ProductId applies to Subscribe only [doc
 * "Grant IAM permissions to request access … with a product ID"]. [3p] the denial reads "Model access
 * is denied due to User: … is not authorized to perform: aws-marketplace:ViewSubscriptions …".
 * On success the subscription starts: PENDING for the model's agreementDelaySeconds, then AVAILABLE.
 */
export function marketplaceGate(
  state: SandboxState,
  caller: Caller,
  account: SandboxAccount,
  region: string,
  model: SandboxModel,
  now: Date,
): void {
  if (!model.marketplace || subscribed(state, account, model, now.getTime())) return;
  // [3p] Bedrock calls AWS Marketplace on the caller's behalf (aws:CalledVia bedrock.amazonaws.com).
  const ctx = {
    ...baseContext(caller, region),
    "aws:CalledVia": ["bedrock.amazonaws.com"],
    "aws:CalledViaFirst": "bedrock.amazonaws.com",
    "aws:CalledViaLast": "bedrock.amazonaws.com",
  };
  const steps: EvaluationRequest[] = [
    { action: "aws-marketplace:ViewSubscriptions", resource: "*", context: ctx },
    {
      action: "aws-marketplace:Subscribe",
      resource: "*",
      context: { ...ctx, "aws-marketplace:ProductId": model.productId ?? "" },
    },
  ];
  for (const step of steps) {
    const check = checkAccess(state, caller.account, caller.principalArn, [step]);
    if (!check.allowed)
      throw new AwsError(
        "AccessDeniedException",
        `Model access is denied due to ${denialMessage(caller.arn, step.action, check)}. ${MARKETPLACE_SUFFIX}`,
        403,
      );
  }
  if (!account.paymentMethod)
    throw new AwsError(
      "AccessDeniedException",
      `Model access is denied due to INVALID_PAYMENT_INSTRUMENT:A valid payment instrument must be provided. ${MARKETPLACE_SUFFIX}`,
      403,
    );
  const delayMs = model.agreementDelaySeconds * 1000;
  for (const r of account.regions) {
    if (!model.regions.has(r)) continue;
    state.agreements.set(
      `${account.id}|${r}|${model.id}`,
      delayMs > 0 ? { status: "PENDING", availableAt: now.getTime() + delayMs } : { status: "AVAILABLE" },
    );
  }
}
