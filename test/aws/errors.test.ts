import { describe, expect, it } from "vitest";
import { AwsGateError, toAwsGateError } from "../../src/aws/errors.js";

const sdkError = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("AWS errors name the gate", () => {
  it.each([
    [
      "AccessDenied",
      "User is not authorized to perform: sts:AssumeRole",
      { service: "sts", operation: "AssumeRole" },
      "credentials",
    ],
    [
      "InvalidClientTokenId",
      "The security token included in the request is invalid.",
      { service: "bedrock", operation: "X" },
      "credentials",
    ],
    ["ExpiredTokenException", "expired", { service: "bedrock", operation: "X" }, "credentials"],
    [
      "RateLimitExceededException",
      "Too many requests have been submitted. Try again after a brief wait.",
      { service: "license-manager", operation: "ListReceivedGrants" },
      "throttling",
    ],
    [
      "AuthorizationException",
      "The AWS user account does not have permission to perform the action. Check the IAM policy associated with this account.",
      { service: "license-manager", operation: "CreateGrant" },
      "iam",
    ],
    [
      "AccessDeniedException",
      "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: bedrock:InvokeModel on resource: arn with an explicit deny in a service control policy",
      { service: "bedrock-runtime", operation: "Converse" },
      "org_policy",
    ],
    [
      "AccessDeniedException",
      "User is not authorized to perform: bedrock:InvokeModel because no identity-based policy allows the bedrock:InvokeModel action",
      { service: "bedrock-runtime", operation: "Converse" },
      "iam",
    ],
    [
      "AccessDeniedException",
      "Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions",
      { service: "bedrock-runtime", operation: "Converse" },
      "model_access",
    ],
    [
      "AccessDeniedException",
      "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: bedrock:CreateFoundationModelAgreement",
      { service: "bedrock", operation: "CreateFoundationModelAgreement" },
      "iam",
    ],
    [
      "AccessDeniedException",
      "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: bedrock:ListFoundationModelAgreementOffers",
      { service: "bedrock", operation: "ListFoundationModelAgreementOffers" },
      "iam",
    ],
    [
      "ModelNotReadyException",
      "The model is not ready",
      { service: "bedrock-runtime", operation: "Converse" },
      "unavailable",
    ],
    ["ModelErrorException", "model failed", { service: "bedrock-runtime", operation: "Converse" }, "unavailable"],
    ["ModelTimeoutException", "took too long", { service: "bedrock-runtime", operation: "Converse" }, "unavailable"],
    [
      "ValidationException",
      "The provided model identifier is invalid.",
      { service: "bedrock-runtime", operation: "Converse" },
      "region",
    ],
    ["ThrottlingException", "Rate exceeded", { service: "bedrock", operation: "X" }, "throttling"],
    [
      "TooManyRequestsException",
      "AWS Organizations can't complete your request",
      { service: "organizations", operation: "X" },
      "throttling",
    ],
    ["ResourceNotFoundException", "not found", { service: "bedrock", operation: "X" }, "not_found"],
    ["AccountNotFoundException", "no such account", { service: "organizations", operation: "X" }, "not_found"],
    ["ServiceUnavailableException", "try later", { service: "bedrock", operation: "X" }, "unavailable"],
    [
      "RegionDisabledException",
      "STS is not activated in this region",
      { service: "sts", operation: "AssumeRole" },
      "region",
    ],
    [
      "ConcurrentModificationException",
      "The target of the operation is currently being modified by a different request. Try again later.",
      { service: "organizations", operation: "DescribeOrganization" },
      "unavailable",
    ],
    [
      "PolicyChangesInProgressException",
      "Changes to the effective policy are in progress. Try the operation again later.",
      { service: "organizations", operation: "AttachPolicy" },
      "unavailable",
    ],
    [
      "ConstraintViolationException",
      "POLICY_CONTENT_LIMIT_EXCEEDED",
      { service: "organizations", operation: "CreatePolicy" },
      "validation",
    ],
  ])("%s (%s) → %s", (name, message, ctx, gate) => {
    const err = toAwsGateError(sdkError(name, message), { ...ctx, account: "111122223333", region: "us-east-1" });
    expect(err).toBeInstanceOf(AwsGateError);
    expect(err.gate).toBe(gate);
    expect(err.awsCode).toBe(name);
    expect(err.code).toBe(`AWS_${String(gate).toUpperCase()}`);
    expect(err.message).toContain("111122223333/us-east-1");
  });

  it("a 5xx without a known name is `unavailable` and retryable; an AwsGateError passes through", () => {
    const err = toAwsGateError(sdkError("InternalFailure", "boom", 500), { service: "s3", operation: "GetObject" });
    expect(err.gate).toBe("unavailable");
    expect(err.retryable).toBe(true);
    expect(toAwsGateError(err, { service: "x", operation: "y" })).toBe(err);
  });
});
