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
  }
}

export function unknownOperation(protocol: Protocol, service: string): AwsError {
  if (protocol === "query") return new AwsError("InvalidAction", `The action is not valid for ${service}.`, 400);
  if (protocol === "rest-xml")
    return new AwsError("NotImplemented", "A header you provided implies functionality that is not implemented.", 501);
  if (protocol === "json") return new AwsError("UnknownOperationException", `Unknown operation for ${service}.`, 400);
  return new AwsError("UnknownOperationException", `Unknown operation for ${service}.`, 404);
}
