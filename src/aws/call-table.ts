// Every AWS operation the service calls, with the IAM actions it needs, which role calls it and at
// which permission level. deploy/ is generated from this table (`npm run deploy:generate`), and
// test/aws/call-table.test.ts fails when code in src/aws calls an operation that has no row here,
// when a row names an operation no code calls, or when a template's actions differ from the table.

/** IAM action namespace of the operation. */
export type IamService =
  | "organizations"
  | "sts"
  | "bedrock"
  | "bedrock-mantle"
  | "cloudtrail"
  | "s3"
  | "iam"
  | "license-manager";

/** The client that sends the call: an `@aws-sdk/client-*` package, or the signed HTTP client (`bedrock-mantle`). */
export type CallClient =
  | "organizations"
  | "sts"
  | "bedrock"
  | "bedrock-runtime"
  | "bedrock-mantle"
  | "cloudtrail"
  | "s3"
  | "iam"
  | "license-manager";

/**
 * `hub`: the hub credentials (management or delegated-admin account); `member`: the member role in
 * every account; `management-member`: the member role in the management account only.
 */
export type CallerRole = "hub" | "member" | "management-member";

/** `read`: inventory, doctor, audit, planning; `remediation`: apply (writes). */
export type PermissionLevel = "read" | "remediation";

/** What the actions apply to: anything, the member role (AssumeRole), or the org trail's bucket. */
export type ResourceScope = "any" | "member-role" | "trail-bucket";

export interface CallRow {
  service: IamService;
  client: CallClient;
  /** The SDK command name without `Command` (or the signed HTTP operation). */
  operation: string;
  /** IAM actions the call needs; empty when AWS requires none. */
  actions: string[];
  role: CallerRole;
  level: PermissionLevel;
  resource?: ResourceScope;
  note?: string;
}

const row = (
  service: IamService,
  client: CallClient,
  operation: string,
  role: CallerRole,
  level: PermissionLevel,
  extra: { actions?: string[]; resource?: ResourceScope; note?: string } = {},
): CallRow => ({
  service,
  client,
  operation,
  actions: extra.actions ?? [`${service}:${operation}`],
  role,
  level,
  ...(extra.resource ? { resource: extra.resource } : {}),
  ...(extra.note ? { note: extra.note } : {}),
});

const org = (operation: string, level: PermissionLevel = "read") =>
  row("organizations", "organizations", operation, "hub", level);
const bedrock = (operation: string, level: PermissionLevel, extra?: Parameters<typeof row>[5]) =>
  row("bedrock", "bedrock", operation, "member", level, extra);
const lm = (operation: string, role: CallerRole, level: PermissionLevel) =>
  row("license-manager", "license-manager", operation, role, level);

export const CALL_TABLE: readonly CallRow[] = [
  // Organizations, with the hub credentials: discovery, the doctor's org-policy gate, SCP remediation.
  org("DescribeOrganization"),
  org("ListRoots"),
  org("ListOrganizationalUnitsForParent"),
  org("ListAccountsForParent"),
  org("ListAccounts"),
  org("ListParents"),
  org("ListPolicies"),
  org("DescribePolicy"),
  org("ListPoliciesForTarget"),
  org("ListTargetsForPolicy"),
  org("CreatePolicy", "remediation"),
  org("UpdatePolicy", "remediation"),
  org("AttachPolicy", "remediation"),
  org("DetachPolicy", "remediation"),
  org("DeletePolicy", "remediation"),
  // STS: the hub assumes the member role in every account (the base credentials assuming the
  // optional hub role is granted to whoever runs the service, outside these templates).
  row("sts", "sts", "AssumeRole", "hub", "read", { resource: "member-role" }),
  row("sts", "sts", "GetCallerIdentity", "member", "read", {
    actions: [],
    note: "needs no permission: AWS allows it to every identity (preflight also calls it with the base and hub credentials)",
  }),
  // Bedrock control plane in every account-Region: inventory, doctor, remediation.
  bedrock("ListFoundationModels", "read"),
  bedrock("GetFoundationModelAvailability", "read"),
  bedrock("ListFoundationModelAgreementOffers", "read"),
  bedrock("GetUseCaseForModelAccess", "read"),
  bedrock("GetAccountDataRetention", "read"),
  bedrock("ListInferenceProfiles", "read"),
  bedrock("GetModelInvocationLoggingConfiguration", "read"),
  bedrock("ListEnforcedGuardrailsConfiguration", "read"),
  bedrock("CreateFoundationModelAgreement", "remediation", {
    actions: [
      "bedrock:CreateFoundationModelAgreement",
      "aws-marketplace:Subscribe",
      "aws-marketplace:ViewSubscriptions",
    ],
    note: "model access through AWS Marketplace also needs the Marketplace subscription actions",
  }),
  bedrock("DeleteFoundationModelAgreement", "remediation", {
    actions: ["bedrock:DeleteFoundationModelAgreement", "aws-marketplace:Unsubscribe"],
  }),
  bedrock("PutUseCaseForModelAccess", "remediation"),
  bedrock("PutAccountDataRetention", "remediation"),
  // bedrock-runtime: the doctor's probe (one minimal inference).
  row("bedrock", "bedrock-runtime", "Converse", "member", "read", {
    actions: ["bedrock:InvokeModel"],
    note: "Converse is authorized as bedrock:InvokeModel; the doctor's probe spends a few tokens",
  }),
  // bedrock-mantle, signed HTTP (no SDK client).
  row("bedrock-mantle", "bedrock-mantle", "ListModels", "member", "read"),
  row("bedrock-mantle", "bedrock-mantle", "ListProjects", "member", "read"),
  row("bedrock-mantle", "bedrock-mantle", "CreateInference", "member", "read", {
    note: "a probe of one inference in a project, like Converse",
  }),
  // CloudTrail and the org trail's bucket: invocation audit.
  row("cloudtrail", "cloudtrail", "LookupEvents", "member", "read"),
  // The organization trail and its event selectors (is bedrock-mantle inference logged?), read
  // through the management account where organization trails live.
  row("cloudtrail", "cloudtrail", "DescribeTrails", "management-member", "read"),
  row("cloudtrail", "cloudtrail", "GetEventSelectors", "management-member", "read"),
  row("s3", "s3", "ListObjectsV2", "member", "read", { actions: ["s3:ListBucket"], resource: "trail-bucket" }),
  row("s3", "s3", "GetObject", "member", "read", { resource: "trail-bucket" }),
  // Scheduled reports written to a bucket named by a report schedule (grant it on that bucket).
  row("s3", "s3", "PutObject", "hub", "read", { note: "report schedules delivering to S3: on their bucket only" }),
  // IAM with the hub credentials: preflight simulates the hub's own permissions (and finds the
  // hub role's path when the base credentials are an assumed role).
  row("iam", "iam", "SimulatePrincipalPolicy", "hub", "read", { note: "preflight: the hub's own permissions" }),
  row("iam", "iam", "GetRole", "hub", "read", {
    note: "preflight: the ARN, with its path, of the role the hub runs as",
  }),
  // IAM in every account: the doctor's policy simulation, API-key inventory.
  row("iam", "iam", "SimulatePrincipalPolicy", "member", "read"),
  row("iam", "iam", "GetRole", "member", "read"),
  row("iam", "iam", "ListServiceSpecificCredentials", "member", "read"),
  // License Manager (us-east-1): grants received in every account; distributed from the management account.
  lm("ListReceivedGrants", "member", "read"),
  lm("ListReceivedLicenses", "member", "read"),
  lm("ListDistributedGrants", "management-member", "read"),
  lm("CreateGrant", "management-member", "remediation"),
  lm("CreateGrantVersion", "management-member", "remediation"),
  lm("GetGrant", "management-member", "remediation"),
  lm("DeleteGrant", "management-member", "remediation"),
];

/** Which deployable role a template grants: the hub, the member role, or the management account's member role. */
export type TemplateScope = "hub" | "member" | "management";

const ROLES_OF: Record<TemplateScope, CallerRole[]> = {
  hub: ["hub"],
  member: ["member"],
  management: ["member", "management-member"],
};

/**
 * The sorted, distinct IAM actions a template grants for (scope, level, resource). `level` is
 * exactly that level: a remediation role gets the read actions too, from the read policy.
 */
export function actionsFor(scope: TemplateScope, level: PermissionLevel, resource: ResourceScope = "any"): string[] {
  const rows = CALL_TABLE.filter(
    (r) => ROLES_OF[scope].includes(r.role) && r.level === level && (r.resource ?? "any") === resource,
  );
  return [...new Set(rows.flatMap((r) => r.actions))].sort();
}

/** All actions of a scope and level, every resource scope together. */
export function allActionsFor(scope: TemplateScope, level: PermissionLevel): string[] {
  const scopes: ResourceScope[] = ["any", "member-role", "trail-bucket"];
  return [...new Set(scopes.flatMap((s) => actionsFor(scope, level, s)))].sort();
}
