// AWS failures as typed errors naming the gate that failed, so callers (sync, doctor, requests)
// can say why a call was refused instead of relaying raw SDK exceptions.
import { AppError } from "../kernel/errors.js";

/**
 * credentials: the service could not get or use credentials for the account (AssumeRole denied,
 *   invalid/expired token); region: the Region is not enabled or the model/service is not offered
 *   there; model_access: availability, agreement, Anthropic use case or Marketplace subscription;
 *   org_policy: an SCP (or Bedrock org policy) denies; iam: an identity policy does not allow;
 *   throttling: over the quota even after retries; not_found: the resource does not exist;
 *   validation: the request itself is invalid; unavailable: AWS or the network failed.
 */
export type AwsGate =
  | "credentials"
  | "region"
  | "model_access"
  | "org_policy"
  | "iam"
  | "throttling"
  | "not_found"
  | "validation"
  | "unavailable";

export const AWS_GATES: readonly AwsGate[] = [
  "credentials",
  "region",
  "model_access",
  "org_policy",
  "iam",
  "throttling",
  "not_found",
  "validation",
  "unavailable",
];

export interface AwsCallContext {
  service: string;
  operation: string;
  account?: string;
  region?: string;
}

export class AwsGateError extends AppError {
  readonly status = 502;
  readonly code: string;
  readonly title = "AWS refused or failed the call";
  constructor(
    readonly gate: AwsGate,
    message: string,
    readonly awsCode: string | undefined,
    readonly context: AwsCallContext,
    options?: { cause?: unknown },
  ) {
    super(message, { gate, awsCode, ...context });
    this.code = `AWS_${gate.toUpperCase()}`;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }

  get retryable(): boolean {
    return this.gate === "throttling" || this.gate === "unavailable";
  }
}

interface SdkErrorLike {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: "client" | "server";
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  // License Manager: "Too many requests have been submitted. Try again after a brief wait." [doc
  // API_ListReceivedGrants and the other License Manager pages]. Its model gives it HTTP 429, but
  // its name is none of the SDK's throttling codes: named here, it is throttling whatever the status.
  "RateLimitExceededException",
]);
/** An SDK (or signed HTTP) error AWS throttled: by its name, or HTTP 429. */
export function isThrottlingError(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorLike;
  const name = e.name ?? e.Code ?? e.code ?? "";
  return THROTTLING.has(name) || e.$metadata?.httpStatusCode === 429;
}

const CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "CredentialsProviderError",
  "IncompleteSignature",
  "MissingAuthenticationToken",
]);
const NOT_FOUND = new Set([
  "ResourceNotFoundException",
  "NoSuchKey",
  "NoSuchBucket",
  "NoSuchEntity",
  "NoSuchEntityException",
]);
const SERVER = new Set([
  "ServiceUnavailableException",
  "ServiceUnavailable",
  "InternalServerException",
  "InternalFailure",
  "InternalError",
  "ServiceException",
]);
const MODEL_FAILURE = new Set(["ModelErrorException", "ModelTimeoutException", "ModelNotReadyException"]);
/**
 * Organizations' "try again later" errors (the target is being changed by another request, or the
 * effective policy is being recomputed): AWS documents them as transient ("Try again later",
 * Organizations API Reference, ConcurrentModificationException / PolicyChangesInProgressException),
 * so they are the unavailable gate (retryable), not a refusal of the request itself.
 */
const TRY_LATER = new Set(["ConcurrentModificationException", "PolicyChangesInProgressException"]);
const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "TimeoutError",
  "RequestTimeout",
]);

/** Which gate an AccessDeniedException points at, from the wording AWS uses. */
function deniedGate(message: string, ctx: AwsCallContext): AwsGate {
  // The denied action is named in IAM's wording ("not authorized to perform: bedrock:CreateFoundationModelAgreement"):
  // its name says nothing about the cause, so it is left out before looking for the model-access words.
  const m = message.toLowerCase().replace(/perform:\s*[a-z0-9-]+:[a-z0-9*]+/g, "perform: <action>");
  if (ctx.service === "sts" && ctx.operation === "AssumeRole") return "credentials";
  if (
    m.includes("service control policy") ||
    m.includes("organization policy") ||
    m.includes("resource control policy")
  ) {
    return "org_policy";
  }
  if (
    m.includes("marketplace") ||
    m.includes("agreement") ||
    m.includes("use case") ||
    m.includes("don't have access to the model") ||
    m.includes("model access") ||
    m.includes("subscription")
  ) {
    return "model_access";
  }
  return "iam";
}

/** Translates any error from an SDK call into an AwsGateError (already-typed errors pass through). */
export function toAwsGateError(err: unknown, ctx: AwsCallContext): AwsGateError {
  if (err instanceof AwsGateError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const name = e.name ?? e.code ?? e.Code ?? "Error";
  const message = e.message ?? String(err);
  const where = [ctx.account, ctx.region].filter(Boolean).join("/");
  const say = (text: string) => `${ctx.service}:${ctx.operation}${where ? ` in ${where}` : ""}: ${text}`;
  const status = e.$metadata?.httpStatusCode;

  let gate: AwsGate;
  // The model itself failed, timed out or is not ready (bedrock-runtime; ModelNotReadyException is
  // HTTP 429 but the model is loading, not the caller over a quota) [doc API_runtime_Converse, "Errors"].
  if (MODEL_FAILURE.has(name)) gate = "unavailable";
  else if (THROTTLING.has(name) || status === 429) gate = "throttling";
  else if (CREDENTIALS.has(name)) gate = "credentials";
  else if (
    name === "AccessDenied" ||
    name === "AccessDeniedException" ||
    name === "AccessDeniedError" ||
    // License Manager: "The AWS user account does not have permission to perform the action. Check
    // the IAM policy associated with this account." (API_CreateGrant and the other grant pages).
    name === "AuthorizationException"
  )
    gate = deniedGate(message, ctx);
  else if (name === "RegionDisabledException" || name === "OptInRequired" || name === "ENOTFOUND") gate = "region";
  else if (NOT_FOUND.has(name) || name.endsWith("NotFoundException")) {
    gate = "not_found";
  } else if (
    name === "ValidationException" &&
    /model identifier is invalid|not supported in this region|isn't supported/i.test(message)
  ) {
    gate = "region";
  } else if (name === "ValidationException" && /operation not allowed/i.test(message)) gate = "model_access";
  else if (
    SERVER.has(name) ||
    NETWORK.has(name) ||
    NETWORK.has(e.code ?? "") ||
    e.$fault === "server" ||
    (status !== undefined && status >= 500)
  ) {
    gate = "unavailable";
  } else if (TRY_LATER.has(name)) gate = "unavailable";
  else if (name === "AWSOrganizationsNotInUseException") gate = "credentials";
  else gate = "validation";
  return new AwsGateError(gate, say(message), name, ctx, { cause: err });
}
