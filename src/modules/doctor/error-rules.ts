// The error classifier's table: the wordings Bedrock, STS and IAM actually use, each with the gate
// family (and, where the wording tells, the reachability gate), the explanation and the fix. The
// first row that matches wins, so specific wordings come before generic ones.
import type { Gate } from "../reachability/reachability.types.js";
import type { ClassifiedGate, ErrorDiagnosis } from "./doctor.types.js";

export interface Rule {
  id: string;
  gate: ClassifiedGate;
  /** Exception names this rule is about (any; empty: any name, or none at all). */
  codes?: readonly string[];
  /** Wording that must appear (case-insensitive), when set. */
  pattern?: RegExp;
  confidence: ErrorDiagnosis["confidence"];
  /** The reachability gate the error comes from, when the wording tells (the family alone may not). */
  likelyGate?: Gate;
  explanation: string;
  fix: string;
}

const ACCESS_DENIED = ["AccessDeniedException", "AccessDenied", "AccessDeniedError"];
const VALIDATION = ["ValidationException", "ValidationError"];

export const RULES: readonly Rule[] = [
  // Credentials: the caller could not authenticate at all.
  {
    id: "expired-token",
    gate: "credentials",
    codes: ["ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired"],
    confidence: "high",
    explanation: "The temporary credentials (session token) have expired.",
    fix: "Get fresh credentials (re-assume the role, `aws sso login`, or restart the process holding the old session) and retry.",
  },
  {
    id: "expired-token-wording",
    gate: "credentials",
    pattern: /security token included in the request is expired|token has expired|session has expired/i,
    confidence: "high",
    explanation: "The temporary credentials (session token) have expired.",
    fix: "Get fresh credentials (re-assume the role, `aws sso login`, or restart the process holding the old session) and retry.",
  },
  {
    id: "unrecognized-client",
    gate: "credentials",
    codes: ["UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId"],
    confidence: "high",
    explanation:
      "AWS does not recognise the access key: it was deleted, deactivated, belongs to another partition, or the session token is missing.",
    fix: "Check which credentials the caller uses (`aws sts get-caller-identity`); supply a valid access key, and the session token together with temporary (ASIA…) keys.",
  },
  {
    id: "invalid-token-wording",
    gate: "credentials",
    pattern: /security token included in the request is invalid|access key id you provided does not exist/i,
    confidence: "high",
    explanation: "AWS does not recognise the access key or session token.",
    fix: "Check which credentials the caller uses (`aws sts get-caller-identity`); supply a valid access key, and the session token together with temporary (ASIA…) keys.",
  },
  {
    id: "signature-clock-skew",
    gate: "credentials",
    pattern: /signature expired|signature not yet current|request time too skewed|RequestTimeTooSkewed/i,
    confidence: "high",
    explanation: "The request was signed with a clock too far from AWS time.",
    fix: "Synchronise the caller's clock (NTP) and retry.",
  },
  {
    id: "signature-mismatch",
    gate: "credentials",
    codes: ["SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature"],
    confidence: "high",
    explanation:
      "The request signature does not match: the secret access key is wrong or the request was altered by a proxy.",
    fix: "Check the secret access key paired with the access key id (no stray whitespace) and that no proxy rewrites signed headers.",
  },
  {
    id: "no-credentials",
    gate: "credentials",
    pattern:
      /unable to locate credentials|could not load credentials from any providers|CredentialsProviderError|missing authentication token|MissingAuthenticationToken/i,
    confidence: "high",
    explanation: "The caller found no credentials to sign with.",
    fix: "Configure credentials for the caller (environment, profile, instance or task role, SSO) before calling Bedrock.",
  },
  {
    id: "assume-role-denied",
    gate: "credentials",
    pattern: /not authorized to perform:? sts:AssumeRole/i,
    confidence: "high",
    explanation:
      "The role could not be assumed: it does not exist, its trust policy does not trust the caller, or the ExternalId does not match.",
    fix: "Deploy the role in the account, let its trust policy trust the calling principal (with the expected sts:ExternalId), and allow sts:AssumeRole on it for the caller.",
  },
  {
    id: "region-disabled",
    gate: "region",
    codes: ["RegionDisabledException", "OptInRequired"],
    confidence: "high",
    explanation: "The Region is an opt-in Region that is not enabled for the account (or STS is disabled there).",
    fix: "Enable the Region for the account (Account settings or `aws account enable-region`), or call a Region that is enabled.",
  },
  // Organization policies: AWS names the policy type in the denial.
  // A Marketplace subscription refused (by an SCP or IAM) is the Marketplace gate, whatever denied it.
  {
    id: "marketplace-permissions",
    gate: "model_access",
    pattern: /aws-marketplace:|AWS Marketplace actions|marketplace subscription/i,
    likelyGate: "marketplace",
    confidence: "high",
    explanation:
      "The model is sold through AWS Marketplace and its subscription is not in place; the caller lacks the Marketplace actions needed to create it on first use.",
    fix: "Allow aws-marketplace:Subscribe, aws-marketplace:Unsubscribe and aws-marketplace:ViewSubscriptions for the principal that first invokes the model (or create the model agreement once as an admin), then retry after up to 15 minutes.",
  },
  {
    id: "scp-explicit-deny",
    gate: "org_policy",
    pattern: /explicit deny in a service control policy/i,
    likelyGate: "org_policy",
    confidence: "high",
    explanation: "A service control policy (SCP) of the organization explicitly denies this call.",
    fix: "Find the denying SCP on the account's path (root, OUs, account) and have the organization admins exclude this model/Region, or get the model approved so the governed SCP allows it. IAM cannot override an SCP deny.",
  },
  {
    id: "scp-no-allow",
    gate: "org_policy",
    pattern: /no service control policy allows/i,
    likelyGate: "org_policy",
    confidence: "high",
    explanation:
      "No SCP at some level of the account's path allows the action (an allow-list SCP leaves it out, or FullAWSAccess was detached).",
    fix: "Add the action/model to the allow-list SCP at the level that lacks it (or re-attach FullAWSAccess there).",
  },
  {
    id: "rcp-deny",
    gate: "org_policy",
    pattern: /resource control policy/i,
    likelyGate: "org_policy",
    confidence: "high",
    explanation: "A resource control policy (RCP) of the organization denies the call.",
    fix: "Have the organization admins change the RCP that denies Bedrock for this account.",
  },
  {
    id: "org-policy-generic",
    gate: "org_policy",
    pattern: /organizations? policy|with an explicit deny in a bedrock policy/i,
    likelyGate: "org_policy",
    confidence: "medium",
    explanation: "An AWS Organizations policy denies the call.",
    fix: "Review the organization policies attached on the account's path with the organization admins.",
  },
  // The 2026 gates, by the wording AWS (and the sandbox, docs/sandbox.md) answers with.
  {
    id: "legacy-inactive",
    gate: "model_access",
    pattern: /marked by provider as legacy|not been actively using the model/i,
    likelyGate: "lifecycle",
    confidence: "high",
    explanation:
      "The model is Legacy: AWS keeps it only for accounts that used it in the last 30 days, and this one did not.",
    fix: "Move to an active model (ListFoundationModels lifecycle) and update the model id.",
  },
  {
    id: "data-retention-mode",
    gate: "model_access",
    pattern: /data retention mode '?[a-z_]+'? is not available for this model/i,
    likelyGate: "data_retention",
    confidence: "high",
    explanation:
      "The model does not run under the data-retention mode in force (the account-Region's, or the bedrock-mantle project's).",
    fix: "Set a retention mode the model allows (PutAccountDataRetention, or the project's mode), or use another model.",
  },
  {
    id: "bedrock-policy-invalid",
    gate: "org_policy",
    pattern: /effective amazon bedrock policy of this account is not valid|guardrail identifier .* is malformed/i,
    likelyGate: "bedrock_policy",
    confidence: "high",
    explanation:
      "The organization's BEDROCK_POLICY names a malformed guardrail identifier: every Bedrock call in its scope fails.",
    fix: "Correct the guardrail identifier in the BEDROCK_POLICY (a numbered version of a guardrail the management account owns).",
  },
  // Model access: availability, agreement, use case, Marketplace.
  {
    id: "anthropic-use-case",
    gate: "model_access",
    pattern: /use case details have not been submitted|use case form|fill out the anthropic/i,
    likelyGate: "use_case",
    confidence: "high",
    explanation:
      "Anthropic models need the one-time use-case form for the account (or its organization's management account).",
    fix: "Submit the Anthropic use-case form (PutUseCaseForModelAccess, or in the Bedrock console) in this account or the management account, then retry after up to 15 minutes.",
  },
  {
    id: "access-pending",
    gate: "model_access",
    pattern:
      /access (is |request is )?pending|agreement is pending|try again (after|in) 15 minutes|model access is not yet|subscription is (in progress|pending)/i,
    likelyGate: "marketplace",
    confidence: "medium",
    explanation: "Access to the model is being set up (agreement or subscription pending).",
    fix: "Wait for the agreement/subscription to complete (usually minutes, up to 15) and retry; check GetFoundationModelAvailability.",
  },
  {
    id: "no-model-access",
    gate: "model_access",
    pattern: /don't have access to the model|do not have access to the model|don’t have access to the model/i,
    likelyGate: "entitlement",
    confidence: "high",
    explanation: "The account is not entitled to the model (entitlement or authorization is missing).",
    fix: "Check GetFoundationModelAvailability for the model in this Region (entitlement, authorization, agreement) and complete what is missing.",
  },
  {
    id: "operation-not-allowed",
    gate: "model_access",
    codes: VALIDATION,
    pattern: /operation not allowed/i,
    confidence: "medium",
    explanation:
      "Bedrock refuses the model for this account: access is not (yet) granted, or the account is restricted (new accounts can be) for this model.",
    fix: "Check the model's availability for the account (GetFoundationModelAvailability); if everything is AVAILABLE/AUTHORIZED, open an AWS support case for the account's Bedrock access.",
  },
  {
    id: "account-not-authorized-api",
    gate: "model_access",
    pattern: /account is not authorized to (invoke|use|perform)/i,
    confidence: "medium",
    explanation: "The account is not enabled for this model or API.",
    fix: "Check the model's availability for the account and, if it is unavailable with everything in place, contact AWS support.",
  },
  // Region: the model id is not served where it was called.
  {
    id: "on-demand-not-supported",
    gate: "region",
    pattern:
      /on-demand throughput is(n[’']t| not) supported|retry your request with the id or arn of an inference profile/i,
    confidence: "high",
    explanation: "The model is offered here only through inference profiles, not by direct (on-demand) invocation.",
    fix: "Invoke an inference profile that contains the model (e.g. `us.<model-id>` or `global.<model-id>`) instead of the model id.",
  },
  {
    id: "invalid-model-identifier",
    gate: "region",
    pattern: /provided model identifier is invalid|model identifier is invalid/i,
    confidence: "medium",
    explanation:
      "Bedrock does not know this model id in the Region: it is misspelt, not offered in this Region, or needs an inference profile from here.",
    fix: "Check the model id (ListFoundationModels in the Region); if the model is offered elsewhere, call that Region or an inference profile whose source Regions include this one.",
  },
  {
    id: "not-supported-in-region",
    gate: "region",
    pattern:
      /not (supported|available) in (this|the requested) region|isn't supported in this region|could not connect to the endpoint url/i,
    confidence: "high",
    explanation: "The model (or Bedrock itself) is not offered in this Region.",
    fix: "Call a Region that offers the model, or an inference profile whose source Regions include this one.",
  },
  {
    id: "end-of-life",
    gate: "not_found",
    pattern: /reached the end of its life|end of life|model is no longer (available|supported)/i,
    likelyGate: "lifecycle",
    confidence: "high",
    explanation: "The model version has reached its end of life.",
    fix: "Move to the successor model version (see ListFoundationModels lifecycle dates) and update the model id.",
  },
  {
    id: "resource-not-found",
    gate: "not_found",
    codes: ["ResourceNotFoundException", "ModelNotFoundException", "NoSuchEntity"],
    confidence: "medium",
    explanation: "The model, inference profile or other resource does not exist in this account and Region.",
    fix: "Check the id/ARN (account, Region, spelling); for inference profiles, list them in the calling Region (ListInferenceProfiles).",
  },
  // Throttling and quotas.
  {
    id: "throttling",
    gate: "throttling",
    codes: ["ThrottlingException", "Throttling", "TooManyRequestsException", "ServiceQuotaExceededException"],
    confidence: "high",
    explanation: "The call was over a quota (requests or tokens per minute) for the account and Region.",
    fix: "Retry with backoff; spread load with a cross-Region inference profile, or request a quota increase (Service Quotas, Amazon Bedrock).",
  },
  {
    id: "throttling-wording",
    gate: "throttling",
    pattern: /too many (requests|tokens)|rate exceeded|throttl/i,
    confidence: "high",
    explanation: "The call was over a quota (requests or tokens per minute) for the account and Region.",
    fix: "Retry with backoff; spread load with a cross-Region inference profile, or request a quota increase (Service Quotas, Amazon Bedrock).",
  },
  // IAM: denials that name the identity side, then bare denials (IAM is the usual cause).
  {
    id: "identity-explicit-deny",
    gate: "iam",
    pattern:
      /explicit deny in an identity-based policy|explicit deny in a session policy|explicit deny in a permissions boundary/i,
    confidence: "high",
    explanation:
      "An IAM policy of the caller (identity policy, session policy or permissions boundary) explicitly denies the call.",
    fix: "Find the Deny statement in the principal's policies (or the session policy / permissions boundary) and narrow it, or use a principal meant to call this model.",
  },
  {
    id: "identity-no-allow",
    gate: "iam",
    pattern: /no identity-based policy allows|no permissions boundary allows|no session policy allows/i,
    confidence: "high",
    explanation: "None of the caller's IAM policies allow the action on this resource.",
    fix: "Allow bedrock:InvokeModel (and InvokeModelWithResponseStream for streaming) on the model ARN — and, for an inference profile, on the profile ARN and the model ARN in every destination Region.",
  },
  {
    id: "cross-region-profile-denied",
    gate: "iam",
    pattern:
      /not authorized to perform:? bedrock:InvokeModel\S* on resource:? arn:aws[\w-]*:bedrock:[a-z0-9-]*::foundation-model\//i,
    confidence: "medium",
    explanation:
      "Access to the foundation model ARN was denied — with an inference profile, IAM must allow the model in every destination Region (and the Region-less ARN for global profiles), not just the profile.",
    fix: "Allow bedrock:InvokeModel on `arn:aws:bedrock:*::foundation-model/<model-id>` for every destination Region of the profile (global profiles: also `arn:aws:bedrock:::foundation-model/<model-id>`), scoped with bedrock:InferenceProfileArn if needed.",
  },
  {
    id: "not-authorized-generic",
    gate: "iam",
    pattern: /is not authorized to perform/i,
    confidence: "medium",
    explanation:
      "The caller is not allowed the action; the message names no organization policy, so IAM is the likely cause.",
    fix: "Allow the action on the resource named in the message in the principal's IAM policies.",
  },
  {
    id: "access-denied-generic",
    gate: "iam",
    codes: ACCESS_DENIED,
    confidence: "low",
    explanation:
      "Access was denied without naming why; IAM is the most common cause, then organization policies and model access.",
    fix: "Run the doctor with the account, Region, model and principal to check each gate live.",
  },
  // Service-side and request problems.
  {
    id: "service-unavailable",
    gate: "unavailable",
    codes: [
      "InternalServerException",
      "ServiceUnavailableException",
      "ModelNotReadyException",
      "ModelTimeoutException",
      "ModelErrorException",
      "InternalFailure",
    ],
    confidence: "high",
    explanation: "Bedrock or the model failed on its side.",
    fix: "Retry with backoff; if it persists, check the AWS Health Dashboard for the Region.",
  },
  {
    id: "validation-generic",
    gate: "validation",
    codes: [...VALIDATION, "SerializationException", "InvalidInput"],
    confidence: "medium",
    explanation: "The request itself is invalid (parameters, body or model-specific fields).",
    fix: "Fix the request as the message says (model parameters, message format, max tokens) and retry.",
  },
];
