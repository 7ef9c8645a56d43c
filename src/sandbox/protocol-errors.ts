// How each protocol says "throttled", "internal error", "who are you?" and "no such operation", with
// the codes and messages AWS uses, so the sandbox fails the way the real service does.
import { AwsError } from "./errors.js";
import type { Protocol } from "./protocols/types.js";
import type { ServiceName } from "./scenario.js";

/** The error each protocol answers when a quota is exceeded, as AWS names it. */
export const THROTTLE: Record<ServiceName, () => AwsError> = {
  organizations: () =>
    new AwsError("TooManyRequestsException", "You have sent too many requests in too short a period of time.", 429, {
      Type: "TooManyRequestsException",
    }),
  sts: () => new AwsError("Throttling", "Rate exceeded", 400),
  iam: () => new AwsError("Throttling", "Rate exceeded", 400),
  cloudtrail: () => new AwsError("ThrottlingException", "Rate exceeded", 429),
  bedrock: () => new AwsError("ThrottlingException", "Too many requests, please wait before trying again.", 429),
  "bedrock-runtime": () =>
    new AwsError("ThrottlingException", "Too many requests, please wait before trying again.", 429),
  s3: () => new AwsError("SlowDown", "Please reduce your request rate.", 503),
  "license-manager": () => new AwsError("RateLimitExceededException", "Rate exceeded", 429),
  // OpenAI- and Anthropic-style bodies (see protocols/plain-json.ts): code, message, status, type.
  "bedrock-mantle": () =>
    new AwsError("rate_limit_exceeded", "Too many requests, please wait before trying again.", 429, {
      type: "rate_limit_error",
    }),
  "aws-external-anthropic": () =>
    new AwsError("rate_limit_error", "Number of requests has exceeded your rate limit.", 429),
};

export const SERVER_ERROR: Record<ServiceName, () => AwsError> = {
  organizations: () =>
    new AwsError(
      "ServiceException",
      "AWS Organizations can't complete your request because of an internal service error.",
      500,
    ),
  sts: () => new AwsError("InternalFailure", "An internal error occurred.", 500),
  iam: () => new AwsError("ServiceFailure", "The request processing has failed because of an unknown error.", 500),
  cloudtrail: () => new AwsError("InternalFailure", "An internal error occurred.", 500),
  bedrock: () => new AwsError("InternalServerException", "An internal server error occurred. Retry your request.", 500),
  "bedrock-runtime": () =>
    new AwsError("ServiceUnavailableException", "The service is unavailable. Try again later.", 503),
  s3: () => new AwsError("InternalError", "We encountered an internal error. Please try again.", 500),
  "license-manager": () => new AwsError("ServerInternalException", "An internal error occurred.", 500),
  "bedrock-mantle": () =>
    new AwsError("internal_error", "An internal server error occurred. Retry your request.", 500, {
      type: "api_error",
    }),
  "aws-external-anthropic": () => new AwsError("api_error", "Internal server error", 500),
};

export type AuthFailure = "missing" | "unknownKey" | "signature" | "expired";

export function authError(protocol: Protocol, kind: AuthFailure): AwsError {
  const invalid = "The security token included in the request is invalid.";
  const sig =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";
  const expired = "The security token included in the request is expired";
  switch (protocol) {
    case "json":
      return {
        missing: () => new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 400),
        unknownKey: () => new AwsError("UnrecognizedClientException", invalid, 400),
        signature: () => new AwsError("InvalidSignatureException", sig, 400),
        expired: () => new AwsError("ExpiredTokenException", expired, 400),
      }[kind]();
    case "query":
      return {
        missing: () => new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
        unknownKey: () => new AwsError("InvalidClientTokenId", invalid, 403),
        signature: () => new AwsError("SignatureDoesNotMatch", sig, 403),
        expired: () => new AwsError("ExpiredToken", expired, 403),
      }[kind]();
    case "rest-json":
      return {
        missing: () => new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 403),
        unknownKey: () => new AwsError("UnrecognizedClientException", invalid, 403),
        signature: () => new AwsError("InvalidSignatureException", sig, 403),
        expired: () => new AwsError("ExpiredTokenException", expired, 403),
      }[kind]();
    case "rest-xml":
      return {
        missing: () => new AwsError("AccessDenied", "Access Denied", 403),
        unknownKey: () =>
          new AwsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403),
        signature: () => new AwsError("SignatureDoesNotMatch", sig, 403),
        expired: () => new AwsError("ExpiredToken", "The provided token has expired.", 400),
      }[kind]();
    // [?] bedrock-mantle and Claude Platform publish no SigV4 error bodies; the sandbox answers in their
    // own dialects with the HTTP statuses those APIs use for authentication failures.
    case "openai": {
      const e = (code: string, message: string, status: number) =>
        new AwsError(code, message, status, { type: "authentication_error" });
      return {
        missing: () => e("missing_authentication", "Missing Authentication Token", 401),
        // [3p] bedrock-mantle answers an unknown API key with 401 invalid_api_key "Invalid bearer token".
        unknownKey: () => e("invalid_api_key", "Invalid bearer token", 401),
        signature: () => e("invalid_signature", sig, 403),
        expired: () => e("expired_token", expired, 403),
      }[kind]();
    }
    case "anthropic":
      return {
        missing: () => new AwsError("authentication_error", "Missing Authentication Token", 401),
        unknownKey: () => new AwsError("authentication_error", invalid, 401),
        signature: () => new AwsError("authentication_error", sig, 401),
        expired: () => new AwsError("authentication_error", expired, 401),
      }[kind]();
  }
}

export function unknownOperation(protocol: Protocol, service: string): AwsError {
  if (protocol === "query") return new AwsError("InvalidAction", `The action is not valid for ${service}.`, 400);
  if (protocol === "rest-xml")
    return new AwsError("NotImplemented", "A header you provided implies functionality that is not implemented.", 501);
  if (protocol === "json") return new AwsError("UnknownOperationException", `Unknown operation for ${service}.`, 400);
  if (protocol === "openai")
    return new AwsError("unknown_url", `Unknown request URL for ${service}.`, 404, { type: "invalid_request_error" });
  if (protocol === "anthropic") return new AwsError("not_found_error", `Unknown request URL for ${service}.`, 404);
  return new AwsError("UnknownOperationException", `Unknown operation for ${service}.`, 404);
}

/**
 * A Bedrock API key that cannot be used. [3p] field reports: Bedrock answers 403
 * "Authentication failed: Please make sure your API Key is valid." for unknown or expired keys and
 * "Invalid API Key format: Must start with pre-defined prefix" for malformed ones; bedrock-mantle
 * answers 401 invalid_api_key "Invalid bearer token".
 */
export function bearerError(protocol: Protocol, failure: "format" | "unknown" | "expired"): AwsError {
  if (protocol === "openai" || protocol === "anthropic") return authError(protocol, "unknownKey");
  if (failure === "format")
    return new AwsError("AccessDeniedException", "Invalid API Key format: Must start with pre-defined prefix", 403);
  return new AwsError("AccessDeniedException", "Authentication failed: Please make sure your API Key is valid.", 403);
}
