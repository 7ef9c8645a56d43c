// The error classifier against error strings as Bedrock, STS and IAM return them (boto3, the JS SDK,
// the CLI and raw wire formats): each must land on the right gate and rule.
import { describe, expect, it } from "vitest";
import { classifyError, extractDetails, extractErrorCode } from "../../src/modules/doctor/error-classifier.js";

const P = "arn:aws:sts::222222222222:assumed-role/AppRole/session-1";
const MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";

const TABLE: [text: string, gate: string, rule: string][] = [
  [
    `An error occurred (AccessDeniedException) when calling the InvokeModel operation: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: ${MODEL} with an explicit deny in a service control policy`,
    "org_policy",
    "scp-explicit-deny",
  ],
  [
    `AccessDeniedException: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: ${MODEL} because no service control policy allows the bedrock:InvokeModel action`,
    "org_policy",
    "scp-no-allow",
  ],
  [
    `An error occurred (AccessDeniedException) when calling the Converse operation: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: ${MODEL} with an explicit deny in a resource control policy`,
    "org_policy",
    "rcp-deny",
  ],
  [
    `AccessDeniedException: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: ${MODEL} because no identity-based policy allows the bedrock:InvokeModel action`,
    "iam",
    "identity-no-allow",
  ],
  [
    `An error occurred (AccessDeniedException) when calling the InvokeModel operation: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: ${MODEL} with an explicit deny in an identity-based policy`,
    "iam",
    "identity-explicit-deny",
  ],
  [
    `User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: ${MODEL} because no permissions boundary allows the bedrock:InvokeModel action`,
    "iam",
    "identity-no-allow",
  ],
  [
    `An error occurred (AccessDeniedException) when calling the Converse operation: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`,
    "iam",
    "cross-region-profile-denied",
  ],
  [
    `AccessDeniedException: User: ${P} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1:222222222222:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0`,
    "iam",
    "not-authorized-generic",
  ],
  [
    "An error occurred (AccessDeniedException) when calling the InvokeModel operation: You don't have access to the model with the specified model ID.",
    "model_access",
    "no-model-access",
  ],
  [
    "AccessDeniedException: Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.",
    "model_access",
    "anthropic-use-case",
  ],
  [
    "An error occurred (AccessDeniedException) when calling the InvokeModel operation: Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 15 minutes.",
    "model_access",
    "marketplace-permissions",
  ],
  [
    "AccessDeniedException: Your access to this model is pending. The agreement is pending; try again in 15 minutes.",
    "model_access",
    "access-pending",
  ],
  [
    "An error occurred (ValidationException) when calling the InvokeModel operation: Operation not allowed",
    "model_access",
    "operation-not-allowed",
  ],
  [
    "An error occurred (ValidationException) when calling the Converse operation: The provided model identifier is invalid.",
    "region",
    "invalid-model-identifier",
  ],
  [
    "ValidationException: Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
    "region",
    "on-demand-not-supported",
  ],
  [
    "An error occurred (ResourceNotFoundException) when calling the InvokeModel operation: This model version has reached the end of its life. Please refer to the AWS documentation for more details.",
    "not_found",
    "end-of-life",
  ],
  [
    "An error occurred (ResourceNotFoundException) when calling the Converse operation: Model not found.",
    "not_found",
    "resource-not-found",
  ],
  [
    "An error occurred (UnrecognizedClientException) when calling the InvokeModel operation: The security token included in the request is invalid.",
    "credentials",
    "unrecognized-client",
  ],
  [
    "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.",
    "credentials",
    "unrecognized-client",
  ],
  [
    "An error occurred (ExpiredTokenException) when calling the InvokeModel operation: The security token included in the request is expired",
    "credentials",
    "expired-token",
  ],
  [
    "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>",
    "credentials",
    "expired-token",
  ],
  [
    "An error occurred (SignatureDoesNotMatch) when calling the AssumeRole operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    "credentials",
    "signature-mismatch",
  ],
  [
    "InvalidSignatureException: Signature expired: 20261124T040000Z is now earlier than 20261124T041500Z (20261124T042000Z - 5 min.)",
    "credentials",
    "signature-clock-skew",
  ],
  [
    'Unable to locate credentials. You can configure credentials by running "aws configure".',
    "credentials",
    "no-credentials",
  ],
  ["CredentialsProviderError: Could not load credentials from any providers", "credentials", "no-credentials"],
  [
    "An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::111111111111:user/bedrock-governor is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
    "credentials",
    "assume-role-denied",
  ],
  [
    "An error occurred (RegionDisabledException) when calling the AssumeRole operation: STS is not activated in this region for account:222222222222. Your account administrator can activate STS in this region using the IAM Console.",
    "region",
    "region-disabled",
  ],
  [
    "An error occurred (ThrottlingException) when calling the InvokeModel operation (reached max retries: 4): Too many requests, please wait before trying again.",
    "throttling",
    "throttling",
  ],
  [
    '{"__type":"com.amazon.bedrock#ServiceQuotaExceededException","message":"Too many tokens per day, please wait before trying again."}',
    "throttling",
    "throttling",
  ],
  ["Rate exceeded", "throttling", "throttling-wording"],
  [
    "An error occurred (ModelTimeoutException) when calling the InvokeModel operation: Model has timed out in processing the request. Try your request again.",
    "unavailable",
    "service-unavailable",
  ],
  [
    "An error occurred (ValidationException) when calling the Converse operation: The maximum tokens you requested exceeds the model limit of 8192.",
    "validation",
    "validation-generic",
  ],
  ["AccessDeniedException", "iam", "access-denied-generic"],
  [
    "An error occurred (ResourceNotFoundException) when calling the InvokeModel operation: Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model.",
    "model_access",
    "anthropic-use-case",
  ],
  [
    "An error occurred (AccessDeniedException) when calling the InvokeModel operation: Your account is not authorized to invoke this API operation.",
    "model_access",
    "account-not-authorized-api",
  ],
  [
    'Could not connect to the endpoint URL: "https://bedrock-runtime.eu-south-3.amazonaws.com/model/amazon.nova-pro-v1:0/converse"',
    "region",
    "not-supported-in-region",
  ],
];

describe("error classifier", () => {
  it("covers at least 20 real-world error strings", () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(20);
  });

  it.each(TABLE)("%s → %s (%s)", (text, gate, rule) => {
    const d = classifyError(text);
    expect({ gate: d.gate, rule: d.rule }).toEqual({ gate, rule });
    expect(d.fix.length).toBeGreaterThan(20);
    expect(d.explanation.length).toBeGreaterThan(10);
  });

  it("unrecognised text is unknown, with advice to run the live checks", () => {
    const d = classifyError("segmentation fault (core dumped)");
    expect(d.gate).toBe("unknown");
    expect(d.rule).toBeNull();
    expect(d.fix).toMatch(/live checks/);
  });

  it("extracts the exception name from every wire format", () => {
    expect(extractErrorCode("An error occurred (ThrottlingException) when calling")).toBe("ThrottlingException");
    expect(extractErrorCode('{"__type":"com.amazon.coral#AccessDeniedException"}')).toBe("AccessDeniedException");
    expect(extractErrorCode("<Error><Code>ExpiredToken</Code></Error>")).toBe("ExpiredToken");
    expect(extractErrorCode("x-amzn-errortype: ValidationException:http://internal")).toBe("ValidationException");
    expect(extractErrorCode("AccessDeniedException: User: x")).toBe("AccessDeniedException");
  });

  it("extracts the principal, action, resource, Region and model named in a denial", () => {
    const d = extractDetails(TABLE[0]?.[0] ?? "");
    expect(d).toEqual({
      principalArn: P,
      action: "bedrock:InvokeModel",
      resource: MODEL,
      region: "us-east-1",
      modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      operation: "InvokeModel",
    });
  });
});
