// AWS's published SCP examples (test/fixtures/aws-scp-examples, aws-samples/service-control-policy-examples
// 35a50b0, MIT-0) through the service's own parser and evaluator, then — for the Bedrock and
// Region-control ones — through the reachability engine, against what each policy intends.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type EvaluationRequest,
  evaluatePolicies,
  type NamedPolicy,
  PolicyDocumentError,
  parsePolicyDocument,
} from "../../src/lib/policy-evaluator.js";
import { createReachabilityEngine } from "../../src/modules/reachability/engine.js";
import {
  type AccountFacts,
  type AuthKind,
  known,
  type ModelFacts,
  type PathKind,
  type PrincipalClass,
  type ProfileFacts,
  type RegionFacts,
} from "../../src/modules/reachability/reachability.types.js";

const DIR = new URL("../fixtures/aws-scp-examples/", import.meta.url);
const ACCT = "111111111111";
const APP_ROLE = `arn:aws:iam::${ACCT}:role/app`;
const ADMIN_ROLE = `arn:aws:iam::${ACCT}:role/PlatformAdmin`;

// ---- Placeholders: one table, applied to every file ---------------------------------------------
/** Every placeholder the examples carry, and the test value it takes. */
const PLACEHOLDERS: Record<string, string> = {
  "${Account}": ACCT,
  "${Region}": "eu-central-1",
  "[PRIVILEGED_ROLE]": "PlatformAdmin",
  "[CLOUDTRAIL_NAME]": "org-trail",
  "[DASHBOARD_NAME]": "security-overview",
  "[ALARM_NAME]": "root-login",
  "[PROTECTED_ROLE_PREFIX]": "platform-",
  "[PROTECTED_ROLE_NAME]": "OrganizationAccountAccessRole",
  "[LOG_GROUP_NAME]": "/platform/audit",
  "[LOG_GROUP_STREAM]": "main",
  "[STACKSET_PREFIX]": "platform-",
  "[STACK_PREFIX]": "StackSet-platform-",
  "[STACK_NAME]": "landing-zone",
  // The Resource has no wildcard of its own: the prefix brings it.
  "[INFRASTRUCTURE_AUTOMATION_PREFIX]": "platform-*",
  "[SNS_TOPIC_TO_PROTECT]": "platform-alerts",
  "[PRIVILEGED_POLICY_PATH/*]": "platform/*",
  "[BUCKET_TO_PROTECT]": "org-audit-logs",
  "<my-corporate-cidr>": "203.0.113.0/24",
  "<my-vpc>": "vpc-0a1b2c3d",
  "{example-region-1}": "eu-central-1",
  "{example-region-2}": "eu-west-1",
  "{example-inference-profile-geographic-prefix}": "eu.*",
  // "Replace <unique-identifier> with specific model provider name like amazon" (the examples' README).
  "<unique-identifier>": "amazon",
  // The mantle statement denies the models it names (StringLike in a Deny): it takes the unapproved ones.
  "<model-identifier>": "deepseek.*",
  // "AWS IAM does not support comments, so please remove this line when using this policy".
  "//add or remove the list of service as you need. Please note that AWS IAM does not support comments, so please remove this line when using this policy":
    "",
};

const rawText = (file: string) => readFileSync(new URL(file, DIR), "utf8");
const fill = (text: string) =>
  Object.entries(PLACEHOLDERS).reduce((t, [placeholder, value]) => t.split(placeholder).join(value), text);
const example = (file: string): NamedPolicy => ({ id: file, document: parsePolicyDocument(fill(rawText(file))) });
const exampleFiles = (): string[] =>
  (readdirSync(DIR, { recursive: true }) as string[])
    .map((f) => f.split("\\").join("/"))
    .filter((f) => f.endsWith(".json"))
    .sort();

// ---- Every example: parsed, then a request it is about and one it does not touch ----------------
type Expect = "denied" | "not denied";
type Case = [label: string, req: EvaluationRequest, expected: Expect];

const ctx = (extra: Record<string, string | string[]> = {}, principal = APP_ROLE) => ({
  "aws:PrincipalArn": principal,
  "aws:PrincipalAccount": ACCT,
  "aws:RequestedRegion": "eu-central-1",
  ...extra,
});
const req = (action: string, resource = "*", extra: Record<string, string | string[]> = {}, principal = APP_ROLE) => ({
  action,
  resource,
  context: ctx(extra, principal),
});
const byAdmin = (action: string, resource = "*", extra: Record<string, string | string[]> = {}) =>
  req(action, resource, extra, ADMIN_ROLE);
const ROOT = `arn:aws:iam::${ACCT}:root`;
const FM = (region: string, id: string) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const EU_PROFILE = `arn:aws:bedrock:eu-central-1:${ACCT}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0`;

// biome-ignore format: a table, one case per row
const CASES: Record<string, Case[]> = {
  "Deny-changes-to-security-services/Deny-SAML-provider-changes-for-AWS-IAM-Identity-Center.json": [
    ["delete the Identity Center SAML provider", req("iam:DeleteSAMLProvider", `arn:aws:iam::${ACCT}:saml-provider/AWSSSO_1a2b_DO_NOT_DELETE`), "denied"],
    ["delete another SAML provider", req("iam:DeleteSAMLProvider", `arn:aws:iam::${ACCT}:saml-provider/Okta`), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-account-instance-creation-for-AWS-IAM-Identity-Center.json": [
    ["create an account instance", req("sso:CreateInstance"), "denied"],
    ["list instances", req("sso:ListInstances"), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-deletion-of-AWS-Access-Analyzer-and-findings-in-an-account.json": [
    ["delete the analyzer", req("access-analyzer:DeleteAnalyzer"), "denied"],
    ["list analyzers", req("access-analyzer:ListAnalyzers"), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-deletion-or-disassociation-or-updation-to-AWS-SecurityHub.json": [
    ["disable standards", req("securityhub:BatchDisableStandards"), "denied"],
    ["the privileged role disables standards", byAdmin("securityhub:BatchDisableStandards"), "not denied"],
    ["read findings", req("securityhub:GetFindings"), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-enabling-and-disabling-AWS-Config.json": [
    ["delete the recorder", req("config:DeleteConfigurationRecorder"), "denied"],
    ["describe rules", req("config:DescribeConfigRules"), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-modifications-to-specific-CloudTrail-trails.json": [
    ["stop the protected trail", req("cloudtrail:StopLogging", `arn:aws:cloudtrail:eu-central-1:${ACCT}:trail/org-trail`), "denied"],
    ["stop another trail", req("cloudtrail:StopLogging", `arn:aws:cloudtrail:eu-central-1:${ACCT}:trail/dev`), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-permission-sets-for-AWS-IAM-Identity-Center.json": [
    ["delete a permission set", req("sso:DeletePermissionSet", "arn:aws:sso:::permissionSet/ssoins-1/ps-1"), "denied"],
    ["describe the instance", req("sso:DescribeInstance", "arn:aws:sso:::instance/ssoins-1"), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-users-from-disabling-Amazon-GuardDuty-or-modifying-its-configuration.json": [
    ["delete the detector", req("guardduty:DeleteDetector"), "denied"],
    ["read findings", req("guardduty:GetFindings"), "not denied"],
  ],
  "Deny-changes-to-security-services/Deny-users-from-disabling-or-altering-CloudWatch.json": [
    ["delete the protected alarm", req("cloudwatch:DeleteAlarms", `arn:aws:cloudwatch:eu-central-1:${ACCT}:alarm:root-login`), "denied"],
    ["delete another alarm", req("cloudwatch:DeleteAlarms", `arn:aws:cloudwatch:eu-central-1:${ACCT}:alarm:cpu`), "not denied"],
  ],
  "Deny-changes-to-security-services/Protect-disabling-or-deleting-Amazon-Macie.json": [
    ["disable Macie", req("macie2:DisableMacie"), "denied"],
    ["read findings", req("macie2:GetFindings"), "not denied"],
  ],
  "Privileged-access-controls/Deny-AWS-CLI-login-using-console-credentials.json": [
    ["CLI login with console credentials", req("signin:CreateOAuth2Token"), "denied"],
    ["the privileged role logs in", byAdmin("signin:CreateOAuth2Token"), "not denied"],
    ["read an object", req("s3:GetObject", "arn:aws:s3:::b/k"), "not denied"],
  ],
  "Privileged-access-controls/Deny-Amazon-Virtual-Private-Network-connection-creation-modification-deletion.json": [
    ["create a VPN gateway", req("ec2:CreateVPNGateway"), "denied"],
    ["describe VPN gateways", req("ec2:DescribeVpnGateways"), "not denied"],
  ],
  "Privileged-access-controls/Deny-billing-modification-action.json": [
    ["change the alternate contact", req("account:PutAlternateContact"), "denied"],
    ["read the alternate contact", req("account:GetAlternateContact"), "not denied"],
  ],
  "Privileged-access-controls/Deny-critical-IAM-user-actions.json": [
    ["create an access key", req("iam:CreateAccessKey"), "denied"],
    ["create one with the exception tag", req("iam:CreateAccessKey", "*", { "aws:PrincipalTag/IAMUserManagementException": "true" }), "not denied"],
    ["list users", req("iam:ListUsers"), "not denied"],
  ],
  "Privileged-access-controls/Deny-member-accounts-from-leaving-your-AWS-organization.json": [
    ["leave the organization", req("organizations:LeaveOrganization"), "denied"],
    ["read an object", req("s3:GetObject", "arn:aws:s3:::b/k"), "not denied"],
  ],
  "Privileged-access-controls/Deny-modifications-to-specific-IAM-roles.json": [
    ["delete a protected role", req("iam:DeleteRole", `arn:aws:iam::${ACCT}:role/platform-network`), "denied"],
    ["delete a workload role", req("iam:DeleteRole", `arn:aws:iam::${ACCT}:role/app`), "not denied"],
  ],
  "Privileged-access-controls/Deny-the-root-user-from-performing-actions-except-S3-bucketpolicy-changes.json": [
    ["root reads an object", req("s3:GetObject", "arn:aws:s3:::b/k", {}, ROOT), "denied"],
    ["root fixes a bucket policy", req("s3:PutBucketPolicy", "arn:aws:s3:::b", {}, ROOT), "not denied"],
    ["a role reads an object", req("s3:GetObject", "arn:aws:s3:::b/k"), "not denied"],
  ],
  "Privileged-access-controls/Deny-unwarranted-IAM-federations-creation-modification.json": [
    ["create a SAML provider", req("iam:CreateSAMLProvider"), "denied"],
    ["list SAML providers", req("iam:ListSAMLProviders"), "not denied"],
  ],
  "Privileged-access-controls/Prevent-creating-or-expanding-public-connectivity-for-VPCs.json": [
    ["create an internet gateway", req("ec2:CreateInternetGateway"), "denied"],
    ["describe internet gateways", req("ec2:DescribeInternetGateways"), "not denied"],
  ],
  "Privileged-access-controls/Prevent-root-credentials-management-in-member-accounts-in-AWS-Organizations.json": [
    ["root with long-term credentials", req("s3:GetObject", "arn:aws:s3:::b/k", {}, ROOT), "denied"],
    ["centralized root access (aws:AssumedRoot)", req("s3:GetObject", "arn:aws:s3:::b/k", { "aws:AssumedRoot": "true" }, ROOT), "not denied"],
    ["a role", req("s3:GetObject", "arn:aws:s3:::b/k"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-CloudHSM-deletion.json": [
    ["delete a cluster", req("cloudhsm:DeleteCluster"), "denied"],
    ["describe clusters", req("cloudhsm:DescribeClusters"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-KMS-key-deletion.json": [
    ["schedule key deletion", req("kms:ScheduleKeyDeletion"), "denied"],
    ["decrypt", req("kms:Decrypt"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-creation-of-default-VPC-and-subnet.json": [
    ["create the default VPC", req("ec2:CreateDefaultVpc"), "denied"],
    ["create a VPC", req("ec2:CreateVpc"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-deletion-of-specific-CloudWatch-Log-groups-and-streams.json": [
    ["delete the protected log group", req("logs:DeleteLogGroup", `arn:aws:logs:eu-central-1:${ACCT}:log-group:/platform/audit`), "denied"],
    ["delete another log group", req("logs:DeleteLogGroup", `arn:aws:logs:eu-central-1:${ACCT}:log-group:/app/web`), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-disabling-default-EBS-encryption.json": [
    ["disable default EBS encryption", req("ec2:DisableEbsEncryptionByDefault"), "denied"],
    ["enable it", req("ec2:EnableEbsEncryptionByDefault"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-key-actions-on-Route53-DNS-hosted-zones.json": [
    ["transfer a domain away", req("route53domains:TransferDomainToAnotherAwsAccount"), "denied"],
    ["list domains", req("route53domains:ListDomains"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-modifications-to-specific-AWS-CloudFormation-resources.json": [
    ["delete a platform StackSet stack", req("cloudformation:DeleteStack", `arn:aws:cloudformation:eu-central-1:${ACCT}:stack/StackSet-platform-baseline/0f1e`), "denied"],
    ["delete a workload stack", req("cloudformation:DeleteStack", `arn:aws:cloudformation:eu-central-1:${ACCT}:stack/app/0f1e`), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-modifications-to-specific-Amazon-Lambda-functions.json": [
    ["update a platform function", req("lambda:UpdateFunctionCode", `arn:aws:lambda:eu-central-1:${ACCT}:function:platform-guardrails`), "denied"],
    ["update a workload function", req("lambda:UpdateFunctionCode", `arn:aws:lambda:eu-central-1:${ACCT}:function:app`), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-modifications-to-specific-SNS-topics.json": [
    ["delete the protected topic", req("sns:DeleteTopic", `arn:aws:sns:eu-central-1:${ACCT}:platform-alerts`), "denied"],
    ["delete another topic", req("sns:DeleteTopic", `arn:aws:sns:eu-central-1:${ACCT}:app-events`), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-unwanted-cancellation-or-changes-to-AWS-Marketplace-product-subscription.json": [
    ["unsubscribe", req("aws-marketplace:Unsubscribe"), "denied"],
    // So a third-party Bedrock model's first call cannot subscribe for a workload role.
    ["subscribe", req("aws-marketplace:Subscribe"), "denied"],
    ["view subscriptions", req("aws-marketplace:ViewSubscriptions"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-use-of-IAM-user-credentials-from-unexpected-networks.json": [
    ["an IAM user from the internet", req("s3:GetObject", "arn:aws:s3:::b/k", { "aws:SourceIp": "198.51.100.7", "aws:ViaAWSService": "false" }, `arn:aws:iam::${ACCT}:user/ci`), "denied"],
    ["an IAM user from the corporate network", req("s3:GetObject", "arn:aws:s3:::b/k", { "aws:SourceIp": "203.0.113.7", "aws:ViaAWSService": "false" }, `arn:aws:iam::${ACCT}:user/ci`), "not denied"],
    ["an IAM user through the corporate VPC", req("s3:GetObject", "arn:aws:s3:::b/k", { "aws:SourceIp": "10.0.0.5", "aws:SourceVpc": "vpc-0a1b2c3d", "aws:ViaAWSService": "false" }, `arn:aws:iam::${ACCT}:user/ci`), "not denied"],
    ["a role from the internet", req("s3:GetObject", "arn:aws:s3:::b/k", { "aws:SourceIp": "198.51.100.7" }), "not denied"],
  ],
  "Protect-cloud-platform-resource/Deny-users-from-deleting-Amazon-VPC-flow-logs.json": [
    ["delete flow logs", req("ec2:DeleteFlowLogs"), "denied"],
    ["create flow logs", req("ec2:CreateFlowLogs"), "not denied"],
  ],
  "Protect-cloud-platform-resource/Enforce-30-days-for-KMS-deletion.json": [
    ["a 7-day deletion window", req("kms:ScheduleKeyDeletion", "*", { "kms:ScheduleKeyDeletionPendingWindowInDays": "7" }), "denied"],
    ["a 30-day deletion window", req("kms:ScheduleKeyDeletion", "*", { "kms:ScheduleKeyDeletionPendingWindowInDays": "30" }), "not denied"],
  ],
  "Protect-cloud-platform-resource/Restrict-deletion-and-modification-of-privileged-policies.json": [
    ["delete a privileged policy", req("iam:DeletePolicy", `arn:aws:iam::${ACCT}:policy/platform/admin`), "denied"],
    ["delete a workload policy", req("iam:DeletePolicy", `arn:aws:iam::${ACCT}:policy/app/read`), "not denied"],
  ],
  "Sensitive-data-protection/Deny-AWS-Backup-deletion-and-changes-to-configuration.json": [
    ["delete a vault", req("backup:DeleteBackupVault"), "denied"],
    ["list vaults", req("backup:ListBackupVaults"), "not denied"],
  ],
  "Sensitive-data-protection/Deny-RAM-from-sharing-resources-to-external-accounts.json": [
    ["share outside the organization", req("ram:CreateResourceShare", "*", { "ram:RequestedAllowsExternalPrincipals": "true" }), "denied"],
    ["share inside it", req("ram:CreateResourceShare", "*", { "ram:RequestedAllowsExternalPrincipals": "false" }), "not denied"],
  ],
  "Sensitive-data-protection/Deny-modification-to-Lambda-URL-Config.json": [
    // The published Resource is `function/*`, but Lambda function ARNs read `function:<name>`
    // ("Resource types defined by AWS Lambda"): as published, the policy denies nothing real.
    ["a public URL on a real function ARN", req("lambda:CreateFunctionUrlConfig", `arn:aws:lambda:eu-central-1:${ACCT}:function:app`, { "lambda:FunctionUrlAuthType": "NONE", }), "not denied"],
    ["a public URL on the shape the policy names", req("lambda:CreateFunctionUrlConfig", `arn:aws:lambda:eu-central-1:${ACCT}:function/app`, { "lambda:FunctionUrlAuthType": "NONE", }), "denied"],
    ["an IAM-authenticated URL", req("lambda:CreateFunctionUrlConfig", `arn:aws:lambda:eu-central-1:${ACCT}:function/app`, { "lambda:FunctionUrlAuthType": "AWS_IAM", }), "not denied"],
  ],
  "Sensitive-data-protection/Deny-modification-to-SSM-service-settings.json": [
    ["the privileged role opens public document sharing", byAdmin("ssm:UpdateServiceSetting", `arn:aws:ssm:eu-central-1:${ACCT}:servicesetting/ssm/documents/console/public-sharing-permission`), "denied"],
    ["the privileged role sets the default instance role", byAdmin("ssm:UpdateServiceSetting", `arn:aws:ssm:eu-central-1:${ACCT}:servicesetting/ssm/managed-instance/default-ec2-instance-management-role`), "not denied"],
    ["read a setting", req("ssm:GetServiceSetting"), "not denied"],
  ],
  "Sensitive-data-protection/Deny-users-from-deleting-Amazon-Glacier-vaults-or-archives.json": [
    ["delete a vault", req("glacier:DeleteVault"), "denied"],
    ["list vaults", req("glacier:ListVaults"), "not denied"],
  ],
  "Service-specific-controls/AWS-IAM/deny-creating-any-service-specific-credentials.json": [
    ["create a service-specific credential", req("iam:CreateServiceSpecificCredential", "*", { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com", }), "denied"],
    ["list them", req("iam:ListServiceSpecificCredentials"), "not denied"],
  ],
  "Service-specific-controls/AWS-IAM/deny-service-specific-credential-by-type.json": [
    ["a Bedrock API key", req("iam:CreateServiceSpecificCredential", "*", { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com", }), "denied"],
    ["a CodeCommit credential", req("iam:CreateServiceSpecificCredential", "*", { "iam:ServiceSpecificCredentialServiceName": "codecommit.amazonaws.com", }), "not denied"],
  ],
  "Service-specific-controls/AWS-IAMRolesAnywhere/Protect-IAMRA-Specific-Tags.json": [
    ["tag a role with an x509 key", req("iam:TagRole", "*", { "aws:TagKeys": ["team", "x509Subject/CN"] }), "denied"],
    ["tag a role with other keys", req("iam:TagRole", "*", { "aws:TagKeys": ["team"] }), "not denied"],
  ],
  "Service-specific-controls/Amazon-EC2/Deny-users-from-disabling-block-public-access-on-AMIs.json": [
    ["disable AMI block public access", req("ec2:DisableImageBlockPublicAccess"), "denied"],
    ["enable it", req("ec2:EnableImageBlockPublicAccess"), "not denied"],
  ],
  "Service-specific-controls/Amazon-EC2/Require-Amazon-EC2-instances-to-use-a-specific-type.json": [
    ["launch an m5.large", req("ec2:RunInstances", `arn:aws:ec2:eu-central-1:${ACCT}:instance/*`, { "ec2:InstanceType": "m5.large" }), "denied"],
    ["launch a t3.micro", req("ec2:RunInstances", `arn:aws:ec2:eu-central-1:${ACCT}:instance/*`, { "ec2:InstanceType": "t3.micro" }), "not denied"],
  ],
  "Service-specific-controls/Amazon-EKS/ProtectPodIdentitiesTagsOnRolesAndUsers.json": [
    ["tag a role with an EKS key", req("iam:TagRole", "*", { "aws:TagKeys": ["eks-cluster-name"] }), "denied"],
    ["tag a role with other keys", req("iam:TagRole", "*", { "aws:TagKeys": ["owner"] }), "not denied"],
  ],
  "Service-specific-controls/Amazon-Q-Developer/Deny-actions-invoked-through-Amazon-Q-Developer-in-chat-applications-configurations.json": [
    ["attach a role policy from chat", req("iam:AttachRolePolicy", "*", { "aws:ChatbotSourceArn": `arn:aws:chatbot::${ACCT}:chat-configuration/slack-channel/ops` }), "denied"],
    ["attach one outside chat", req("iam:AttachRolePolicy"), "not denied"],
  ],
  "Service-specific-controls/Amazon-S3/Deny-ACL-disablement-for-all-new-buckets.json": [
    ["a bucket with ACLs", req("s3:CreateBucket", "arn:aws:s3:::b", { "s3:x-amz-object-ownership": "ObjectWriter" }), "denied"],
    ["a bucket owner enforced", req("s3:CreateBucket", "arn:aws:s3:::b", { "s3:x-amz-object-ownership": "BucketOwnerEnforced" }), "not denied"],
  ],
  "Service-specific-controls/Amazon-S3/Deny-users-from-deleting-Amazon-S3-buckets-or-objects.json": [
    ["delete a protected object", req("s3:DeleteObject", "arn:aws:s3:::org-audit-logs/2026/12/06/log.gz"), "denied"],
    ["delete another bucket's object", req("s3:DeleteObject", "arn:aws:s3:::scratch/k"), "not denied"],
  ],
  "Service-specific-controls/Amazon-S3/Prevent-Amazon-S3-unencrypted-object-uploads.json": [
    ["an upload without encryption header", req("s3:PutObject", "arn:aws:s3:::b/k"), "denied"],
    ["an upload with SSE-KMS", req("s3:PutObject", "arn:aws:s3:::b/k", { "s3:x-amz-server-side-encryption": "aws:kms" }), "not denied"],
  ],
  "Service-specific-controls/Amazon-S3/enforce-s3-bucket-namespace.json": [
    ["a bucket in the global namespace", req("s3:CreateBucket", "arn:aws:s3:::b", { "s3:x-amz-bucket-namespace": "global" }), "denied"],
    ["an account-regional bucket", req("s3:CreateBucket", "arn:aws:s3:::b", { "s3:x-amz-bucket-namespace": "account-regional" }), "not denied"],
  ],
  "Service-specific-controls/Amazon-Bedrock/Deny-Bedrock-api-keys-longer-than-30-days.json": [
    ["a 90-day Bedrock API key", req("iam:CreateServiceSpecificCredential", "*", { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com", "iam:ServiceSpecificCredentialAgeDays": "90", }), "denied"],
    ["a 7-day Bedrock API key", req("iam:CreateServiceSpecificCredential", "*", { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com", "iam:ServiceSpecificCredentialAgeDays": "7", }), "not denied"],
    ["calling with a long-term key", req("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "LONG_TERM" }), "not denied"],
  ],
  "Service-specific-controls/Amazon-Bedrock/Deny-Bedrock-api-keys.json": [
    ["create a Bedrock API key", req("iam:CreateServiceSpecificCredential", "*", { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com", }), "denied"],
    ["call with a short-term key", req("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "SHORT_TERM" }), "denied"],
    ["invoke with SigV4", req("bedrock:InvokeModel", FM("eu-central-1", "amazon.nova-pro-v1:0")), "not denied"],
  ],
  "Service-specific-controls/Amazon-Bedrock/Deny-Bedrock-long-term-api-keys.json": [
    ["call with a long-term key", req("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "LONG_TERM" }), "denied"],
    ["call with a short-term key", req("bedrock:CallWithBearerToken", "*", { "bedrock:bearerTokenType": "SHORT_TERM" }), "not denied"],
  ],
  "Service-specific-controls/Amazon-Bedrock/Deny-Bedrock-model-invocation-except-approved-models.json": [
    ["invoke an Amazon model", req("bedrock:InvokeModel", FM("eu-central-1", "amazon.nova-pro-v1:0")), "not denied"],
    ["invoke a DeepSeek model", req("bedrock:InvokeModel", FM("eu-central-1", "deepseek.r1-v1:0")), "denied"],
    ["DeepSeek on bedrock-mantle", req("bedrock-mantle:CreateInference", `arn:aws:bedrock-mantle:eu-central-1:${ACCT}:project/default`, { "bedrock-mantle:Model": "deepseek.r1", }), "denied"],
  ],
  "Region-controls/Deny-access-to-AWS-based-on-the-requested-AWS-region.json": [
    ["launch in us-east-1", req("ec2:RunInstances", "*", { "aws:RequestedRegion": "us-east-1" }), "denied"],
    ["launch in eu-west-1", req("ec2:RunInstances", "*", { "aws:RequestedRegion": "eu-west-1" }), "not denied"],
    ["IAM (global, exempt) from us-east-1", req("iam:CreateRole", "*", { "aws:RequestedRegion": "us-east-1" }), "not denied"],
    ["the privileged role in us-east-1", byAdmin("ec2:RunInstances", "*", { "aws:RequestedRegion": "us-east-1" }), "not denied"],
  ],
  "Region-controls/Deny-account-region-enable-and-disable-actions.json": [
    ["enable a Region", req("account:EnableRegion"), "denied"],
    ["the privileged role enables one", byAdmin("account:EnableRegion"), "not denied"],
    ["list Regions", req("account:ListRegions"), "not denied"],
  ],
  "Region-controls/Deny-access-to-AWS-based-on-the-requested-AWS-region-with-Bedrock-CRIS.json": [
    ["launch in us-east-1", req("ec2:RunInstances", "*", { "aws:RequestedRegion": "us-east-1" }), "denied"],
    ["invoke in us-east-1 directly", req("bedrock:InvokeModel", FM("us-east-1", "amazon.nova-pro-v1:0"), { "aws:RequestedRegion": "us-east-1" }), "denied"],
    ["an EU profile's destination in eu-west-3", req("bedrock:InvokeModel", FM("eu-west-3", "anthropic.claude-sonnet-4-5-20250929-v1:0"), { "aws:RequestedRegion": "eu-west-3", "bedrock:InferenceProfileArn": EU_PROFILE, }), "not denied"],
  ],
};

describe("AWS's published SCP examples: parsed and evaluated", () => {
  it("every example file has cases, and every case names a file", () => {
    const files = exampleFiles();
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => CASES[f] === undefined)).toEqual([]);
    expect(Object.keys(CASES).filter((f) => !files.includes(f))).toEqual([]);
  });

  it("the placeholder table leaves no placeholder behind", () => {
    const leftovers = /<[a-z][\w-]*>|\[[A-Z][A-Z_/*]*\]|\{example-[\w-]+\}|\$\{(?!aws:)[^}]+\}|\/\//;
    for (const f of exampleFiles())
      expect(`${f}: ${fill(rawText(f)).match(leftovers)?.[0] ?? "none"}`).toBe(`${f}: none`);
  });

  it("the one example with a comment line is not valid policy JSON until the comment is removed, as it says", () => {
    const f = "Service-specific-controls/AWS-IAM/deny-service-specific-credential-by-type.json";
    expect(() => parsePolicyDocument(rawText(f))).toThrow(PolicyDocumentError);
    expect(() => parsePolicyDocument(fill(rawText(f)))).not.toThrow();
  });

  for (const [file, cases] of Object.entries(CASES)) {
    it(file, () => {
      const policy = example(file);
      expect(cases.some(([, , e]) => e === "denied")).toBe(true);
      expect(cases.some(([, , e]) => e === "not denied")).toBe(true);
      for (const [label, request, expected] of cases) {
        const decision = evaluatePolicies([policy], request).decision;
        expect(`${label}: ${decision === "explicitDeny" ? "denied" : "not denied"}`).toBe(`${label}: ${expected}`);
      }
    });
  }
});

// ---- Bedrock and Region-control examples: intent per path, and the engine's verdict -------------
// Facts: one account under an OU; the root and the account carry FullAWSAccess, the OU carries
// FullAWSAccess plus the example. Each Region offers the models on demand, an EU or US geographic
// profile, a global profile, and a bedrock-mantle project.
const CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const GPT_OSS = "openai.gpt-oss-120b-1:0";
const DEEPSEEK = "deepseek.r1-v1:0";
const EU_DESTINATIONS = ["eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1"];

const modelFacts = (modelId: string): ModelFacts => ({
  modelId,
  provider: modelId.split(".")[0] ?? "",
  inferenceTypes: ["ON_DEMAND"],
  lifecycleStatus: "ACTIVE",
  legacyTime: null,
  publicExtendedAccessTime: null,
  endOfLifeTime: null,
  regionAvailability: "AVAILABLE",
  agreementStatus: "AVAILABLE",
  agreementError: null,
  offerCount: null,
  authorizationStatus: "AUTHORIZED",
  entitlementAvailability: "AVAILABLE",
  availabilityError: null,
});

function regionFacts(region: string): RegionFacts {
  const geo = region.startsWith("eu-") ? "eu" : "us";
  const profiles: ProfileFacts[] = [CLAUDE, NOVA].flatMap((modelId) => [
    {
      profileId: `${geo}.${modelId}`,
      arn: `arn:aws:bedrock:${region}:${ACCT}:inference-profile/${geo}.${modelId}`,
      isGlobal: false,
      modelId,
      destinationRegions: geo === "eu" ? EU_DESTINATIONS : ["us-east-1", "us-east-2", "us-west-2"],
    },
    {
      profileId: `global.${modelId}`,
      arn: `arn:aws:bedrock:${region}:${ACCT}:inference-profile/global.${modelId}`,
      isGlobal: true,
      modelId,
      destinationRegions: [],
    },
  ]);
  return {
    region,
    status: "ok",
    errorGate: null,
    errorMessage: null,
    models: new Map([CLAUDE, NOVA, GPT_OSS, DEEPSEEK].map((m) => [m, modelFacts(m)])),
    profiles: new Map(profiles.map((p) => [p.profileId, p])),
    dataRetention: known("default"),
    mantleProjects: known([
      {
        projectId: "default",
        arn: `arn:aws:bedrock-mantle:${region}:${ACCT}:project/default`,
        retentionMode: null,
        tags: {},
      },
    ]),
    mantleModels: known(
      ["anthropic.claude-sonnet-4-5", "amazon.nova-pro", "openai.gpt-oss-120b", "deepseek.r1"].map((mantleId) => ({
        mantleId,
        allowedModes: null,
      })),
    ),
  };
}

const FULL: NamedPolicy = {
  id: "p-FullAWSAccess",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

function accountUnder(file: string): AccountFacts {
  return {
    accountId: ACCT,
    management: false,
    active: true,
    scps: [
      { targetId: "r-root", policies: [FULL] },
      { targetId: "ou-workloads", policies: [FULL, example(file)] },
      { targetId: ACCT, policies: [FULL] },
    ],
    useCaseOnFile: known(true),
    bedrockPolicy: known({ policyIds: [], invalidGuardrails: [] }),
    grants: known([]),
    apiKeys: known([]),
    claudePlatform: known([]),
    recentlyUsed: known(new Set<string>()),
    regions: new Map(["eu-central-1", "us-east-1"].map((r) => [r, regionFacts(r)])),
  };
}

type Path = "direct" | "geographic profile" | "global profile" | "mantle";
const PATH_KIND: Record<Path, PathKind> = {
  direct: "direct",
  "geographic profile": "profile",
  "global profile": "global_profile",
  mantle: "mantle",
};
type Expected = "usable" | "blocked";
/** One row of intent: under this policy, a call on `path` from `region` to `model` is expected to be… */
interface Intent {
  policy: string;
  region: "eu-central-1" | "us-east-1";
  model: string;
  path: Path;
  auth?: AuthKind;
  /** The privileged role the examples exempt (default: a workload role). */
  as?: "privileged";
  expected: Expected;
  why: string;
}

const BEDROCK = "Service-specific-controls/Amazon-Bedrock/";
const APPROVED = `${BEDROCK}Deny-Bedrock-model-invocation-except-approved-models.json`;
const NO_KEYS = `${BEDROCK}Deny-Bedrock-api-keys.json`;
const NO_LONG_KEYS = `${BEDROCK}Deny-Bedrock-long-term-api-keys.json`;
const KEYS_30_DAYS = `${BEDROCK}Deny-Bedrock-api-keys-longer-than-30-days.json`;
const REGIONS = "Region-controls/Deny-access-to-AWS-based-on-the-requested-AWS-region.json";
const CRIS = "Region-controls/Deny-access-to-AWS-based-on-the-requested-AWS-region-with-Bedrock-CRIS.json";
const REGION_SWITCH = "Region-controls/Deny-account-region-enable-and-disable-actions.json";
const EU = "eu-central-1";
const US = "us-east-1";

// Reasoned from each policy's text and AWS's documentation, not from running the engine. The
// requests a path is authorized as: "Prerequisites for inference profiles" (the profile ARN, and the
// model in every destination Region; a global profile the Region-less model ARN with
// aws:RequestedRegion `unspecified`), "Actions, resources, and condition keys for Amazon Bedrock
// Powered by AWS Mantle" (bedrock-mantle:CreateInference, its own prefix), "Control permissions for
// generating and using Amazon Bedrock API keys" (bedrock:CallWithBearerToken, bedrock:bearerTokenType;
// bedrock-mantle:CallWithBearerToken on mantle).
// biome-ignore format: a table, one intent per row
const INTENT: Intent[] = [
  // Approved models only (<unique-identifier> = amazon; <model-identifier> = deepseek.* on mantle)
  { policy: APPROVED, region: EU, model: NOVA, path: "direct", expected: "usable", why: "amazon.* is the approved provider: the foundation-model ARN is in NotResource" },
  { policy: APPROVED, region: EU, model: CLAUDE, path: "direct", expected: "blocked", why: "anthropic is not approved: the model ARN is outside NotResource" },
  { policy: APPROVED, region: EU, model: NOVA, path: "geographic profile", expected: "blocked", why: "IAM also authorizes InvokeModel on the inference-profile ARN, which NotResource (foundation models only) does not exempt: as published the policy closes cross-Region inference even for approved models" },
  { policy: APPROVED, region: EU, model: NOVA, path: "global profile", expected: "blocked", why: "same: the global profile's ARN is not an approved foundation-model ARN" },
  { policy: APPROVED, region: EU, model: CLAUDE, path: "geographic profile", expected: "blocked", why: "not approved, and the profile ARN is not exempt" },
  { policy: APPROVED, region: EU, model: DEEPSEEK, path: "mantle", expected: "blocked", why: "the mantle statement denies bedrock-mantle:* when bedrock-mantle:Model is like deepseek.*" },
  { policy: APPROVED, region: EU, model: GPT_OSS, path: "mantle", expected: "usable", why: "gap in the published policy: on mantle it deny-lists the models it names; the runtime allow-list (bedrock:InvokeModel) does not reach bedrock-mantle:*" },
  { policy: APPROVED, region: EU, model: CLAUDE, path: "mantle", expected: "usable", why: "same gap: an unapproved model stays reachable on bedrock-mantle" },
  { policy: APPROVED, region: EU, model: NOVA, path: "direct", auth: "api_key_long_term", expected: "usable", why: "the policy does not touch CallWithBearerToken; the model is approved" },
  // Deny Bedrock API keys
  { policy: NO_KEYS, region: EU, model: NOVA, path: "direct", expected: "usable", why: "SigV4 calls are not bearer-token calls" },
  { policy: NO_KEYS, region: EU, model: NOVA, path: "direct", auth: "api_key_short_term", expected: "blocked", why: "bedrock:CallWithBearerToken is denied whatever the token type" },
  { policy: NO_KEYS, region: EU, model: NOVA, path: "direct", auth: "api_key_long_term", expected: "blocked", why: "bedrock:CallWithBearerToken is denied" },
  { policy: NO_KEYS, region: EU, model: CLAUDE, path: "geographic profile", auth: "api_key_long_term", expected: "blocked", why: "a profile call with a key is a bearer-token call too" },
  { policy: NO_KEYS, region: EU, model: CLAUDE, path: "global profile", auth: "api_key_short_term", expected: "blocked", why: "a global-profile call with a key is a bearer-token call too" },
  { policy: NO_KEYS, region: EU, model: GPT_OSS, path: "mantle", expected: "usable", why: "SigV4 on mantle is not a bearer-token call" },
  { policy: NO_KEYS, region: EU, model: GPT_OSS, path: "mantle", auth: "api_key_long_term", expected: "usable", why: "gap in this version (35a50b0): mantle keys authorize as bedrock-mantle:CallWithBearerToken, which the policy does not name (AWS's later revision adds it)" },
  // Deny long-term Bedrock API keys
  { policy: NO_LONG_KEYS, region: EU, model: NOVA, path: "direct", auth: "api_key_long_term", expected: "blocked", why: "bedrock:bearerTokenType is LONG_TERM" },
  { policy: NO_LONG_KEYS, region: EU, model: NOVA, path: "direct", auth: "api_key_short_term", expected: "usable", why: "short-term tokens are the middle ground the policy keeps" },
  { policy: NO_LONG_KEYS, region: EU, model: NOVA, path: "direct", expected: "usable", why: "SigV4 is not a bearer token" },
  { policy: NO_LONG_KEYS, region: EU, model: CLAUDE, path: "geographic profile", auth: "api_key_long_term", expected: "blocked", why: "LONG_TERM bearer token" },
  { policy: NO_LONG_KEYS, region: EU, model: CLAUDE, path: "global profile", auth: "api_key_short_term", expected: "usable", why: "SHORT_TERM bearer token" },
  { policy: NO_LONG_KEYS, region: EU, model: GPT_OSS, path: "mantle", auth: "api_key_long_term", expected: "usable", why: "gap: the policy names bedrock:CallWithBearerToken and bedrock:bearerTokenType only; mantle keys authorize under bedrock-mantle:" },
  // Deny creating Bedrock API keys valid for 30 days or more: acts when a key is created, not when one is used
  { policy: KEYS_30_DAYS, region: EU, model: NOVA, path: "direct", auth: "api_key_long_term", expected: "usable", why: "only iam:CreateServiceSpecificCredential is denied; an existing key still calls" },
  { policy: KEYS_30_DAYS, region: EU, model: CLAUDE, path: "geographic profile", expected: "usable", why: "invocation is not touched" },
  { policy: KEYS_30_DAYS, region: EU, model: CLAUDE, path: "global profile", auth: "api_key_short_term", expected: "usable", why: "invocation is not touched" },
  { policy: KEYS_30_DAYS, region: EU, model: GPT_OSS, path: "mantle", auth: "api_key_long_term", expected: "usable", why: "invocation is not touched" },
  // Requested-Region guard (eu-central-1, eu-west-1; PlatformAdmin exempt)
  { policy: REGIONS, region: EU, model: CLAUDE, path: "direct", expected: "usable", why: "eu-central-1 is approved" },
  { policy: REGIONS, region: EU, model: CLAUDE, path: "geographic profile", expected: "blocked", why: "the EU profile also routes to eu-west-3 and eu-north-1, and the model must be allowed in every destination (aws:RequestedRegion is the destination)" },
  { policy: REGIONS, region: EU, model: CLAUDE, path: "global profile", expected: "blocked", why: "the Region-less request carries aws:RequestedRegion = unspecified, which is not an approved Region" },
  { policy: REGIONS, region: EU, model: GPT_OSS, path: "mantle", expected: "usable", why: "bedrock-mantle in an approved Region" },
  { policy: REGIONS, region: US, model: CLAUDE, path: "direct", expected: "blocked", why: "us-east-1 is not approved and bedrock is not in NotAction" },
  { policy: REGIONS, region: US, model: CLAUDE, path: "geographic profile", expected: "blocked", why: "source and destinations outside the approved Regions" },
  { policy: REGIONS, region: US, model: GPT_OSS, path: "mantle", expected: "blocked", why: "bedrock-mantle is not exempt" },
  { policy: REGIONS, region: US, model: CLAUDE, path: "direct", as: "privileged", expected: "usable", why: "ArnNotLike aws:PrincipalARN exempts the privileged role" },
  // Requested-Region guard with the Bedrock cross-Region inference exemption (eu.* profiles)
  { policy: CRIS, region: EU, model: CLAUDE, path: "direct", expected: "usable", why: "eu-central-1 is approved" },
  { policy: CRIS, region: EU, model: CLAUDE, path: "geographic profile", expected: "usable", why: "the point of the policy: destinations outside the approved Regions are allowed when bedrock:InferenceProfileArn is an eu.* profile" },
  { policy: CRIS, region: EU, model: NOVA, path: "geographic profile", expected: "usable", why: "any eu.* geographic profile" },
  { policy: CRIS, region: EU, model: CLAUDE, path: "global profile", expected: "blocked", why: "the Region-less request (unspecified) comes through a global.* profile, not eu.*: global inference may leave the geography" },
  { policy: CRIS, region: EU, model: GPT_OSS, path: "mantle", expected: "usable", why: "bedrock-mantle in an approved Region" },
  { policy: CRIS, region: EU, model: NOVA, path: "direct", auth: "api_key_short_term", expected: "usable", why: "CallWithBearerToken in an approved Region" },
  { policy: CRIS, region: US, model: CLAUDE, path: "direct", expected: "blocked", why: "us-east-1 is not approved and no inference profile is involved" },
  { policy: CRIS, region: US, model: CLAUDE, path: "geographic profile", expected: "blocked", why: "a us.* profile is not the exempted eu.* prefix" },
  { policy: CRIS, region: US, model: CLAUDE, path: "global profile", expected: "blocked", why: "neither an approved Region nor an eu.* profile" },
  { policy: CRIS, region: US, model: GPT_OSS, path: "mantle", expected: "blocked", why: "bedrock-mantle is not in NotAction" },
  { policy: CRIS, region: US, model: GPT_OSS, path: "mantle", as: "privileged", expected: "usable", why: "the first statement exempts the privileged role" },
  { policy: CRIS, region: US, model: CLAUDE, path: "direct", as: "privileged", expected: "blocked", why: "the Bedrock statement has no privileged-role exemption" },
  // Deny enabling and disabling Regions: names account:EnableRegion/DisableRegion only
  { policy: REGION_SWITCH, region: EU, model: CLAUDE, path: "direct", expected: "usable", why: "invocation is not touched" },
  { policy: REGION_SWITCH, region: EU, model: CLAUDE, path: "geographic profile", expected: "usable", why: "invocation is not touched" },
  { policy: REGION_SWITCH, region: EU, model: CLAUDE, path: "global profile", expected: "usable", why: "invocation is not touched" },
  { policy: REGION_SWITCH, region: EU, model: GPT_OSS, path: "mantle", expected: "usable", why: "invocation is not touched" },
];

function principalFor(intent: Intent): PrincipalClass {
  const auth = intent.auth ?? "sigv4";
  return intent.as === "privileged"
    ? { kind: "principal", arn: ADMIN_ROLE, auth, iam: () => "allowed" }
    : { kind: "principal", arn: APP_ROLE, auth, iam: () => "allowed" };
}

describe("Bedrock and Region-control examples: the engine's verdict per path matches the policy's intent", () => {
  it("every Bedrock and Region-control example has intent rows on every path", () => {
    const covered = exampleFiles().filter((f) => f.startsWith(BEDROCK) || f.startsWith("Region-controls/"));
    for (const f of covered) {
      const paths = new Set(INTENT.filter((i) => i.policy === f).map((i) => i.path));
      expect(`${f}: ${[...paths].sort().join(", ")}`).toBe(`${f}: direct, geographic profile, global profile, mantle`);
    }
  });

  for (const intent of INTENT) {
    const who = `${intent.auth ?? "sigv4"}${intent.as ? ", privileged role" : ""}`;
    it(`${intent.policy.split("/").pop()} | ${intent.region} ${intent.model} ${intent.path} (${who}) → ${intent.expected}: ${intent.why}`, () => {
      const engine = createReachabilityEngine({ now: new Date("2026-12-06T00:00:00Z") });
      const verdict = engine.evaluate(accountUnder(intent.policy), intent.region, intent.model, principalFor(intent));
      const path = verdict.paths.find((p) => p.path.kind === PATH_KIND[intent.path]);
      expect(path, `no ${intent.path} path`).toBeDefined();
      expect({ status: path?.status, gate: path?.gate, reason: path?.reason }).toMatchObject(
        intent.expected === "usable" ? { status: "usable", gate: null } : { status: "blocked", gate: "org_policy" },
      );
    });
  }
});
