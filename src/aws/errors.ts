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
]);
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
  const m = message.toLowerCase();
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
  if (THROTTLING.has(name) || status === 429) gate = "throttling";
  else if (CREDENTIALS.has(name)) gate = "credentials";
  else if (name === "AccessDenied" || name === "AccessDeniedException" || name === "AccessDeniedError")
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
  } else if (name === "AWSOrganizationsNotInUseException") gate = "credentials";
  else gate = "validation";
  return new AwsGateError(gate, say(message), name, ctx, { cause: err });
}
