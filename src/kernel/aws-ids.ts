// AWS identifier syntax, written once: the regular expressions, their TypeBox schemas (for routes,
// documents and scenarios) and the ARN parsers built from the same pieces. Everything that checks
// or takes apart an AWS id asks this file.
import { type TStringOptions, Type } from "typebox";

/** Unanchored pieces, composed below into anchored patterns and ARN parsers. */
const PART = {
  partition: "aws[\\w-]*",
  region: "[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d",
  accountId: "\\d{12}",
  rootId: "r-[0-9a-z]{4,32}",
  ouId: "ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}",
  orgId: "o-[a-z0-9]{10,32}",
  policyId: "p-[0-9a-zA-Z_]{8,128}",
  /** A Bedrock foundation-model or inference-profile id: `anthropic.claude-…-v1:0`, `us.meta.…`. */
  modelId: "[a-z0-9][a-z0-9.:-]*[a-z0-9]",
  /** A catalog model pattern: a model id where `*` matches any run of characters. */
  modelPattern: "[a-z0-9][a-z0-9.*:-]*[a-z0-9*]",
  /** What a person may paste as "the model": an id, a profile id or an ARN (the doctor's input). */
  modelRef: "[A-Za-z0-9][A-Za-z0-9._:/+-]{0,255}",
  /** One IAM name or path segment (users, roles, sessions). */
  iamName: "[\\w+=,.@-]+",
  roleSessionName: "[\\w+=,.@-]{2,64}",
  externalId: "[\\w+=,.@:/-]{2,1224}",
  accessKeyId: "AKIA[A-Z0-9]{12,}",
  s3Bucket: "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
  /** A bedrock-mantle project: `default`, or a generated `proj_…` id. */
  mantleProjectId: "(default|proj_[A-Za-z0-9_-]{1,59})",
  /** A Claude Platform on AWS workspace (the `anthropic-workspace-id` header). */
  claudeWorkspaceId: "wrkspc_[A-Za-z0-9_-]{1,64}",
  /** A long-term Amazon Bedrock API key (IAM service-specific credential secret). */
  bedrockApiKey: "ABSK[A-Za-z0-9+/=_-]{16,}",
  /** An AWS License Manager grant ARN. */
  licenseGrantArn: "arn:aws[\\w-]*:license-manager::\\d{12}:grant:g-[0-9a-f]{32}",
} as const;

/**
 * Geographic prefixes of system-defined inference profiles (`us.`, `eu.`, `global.`…); the
 * profile's id is `<geo>.<model id>`.
 */
export const PROFILE_GEOS = ["us", "us-gov", "eu", "apac", "ca", "jp", "au", "sa", "global"] as const;
const GEO = `(${PROFILE_GEOS.join("|")})`;

const anchored = (s: string) => `^${s}$`;

/** Anchored patterns (strings, as JSON Schema and OpenAPI carry them). */
export const ID_PATTERN = {
  region: anchored(PART.region),
  accountId: anchored(PART.accountId),
  rootId: anchored(PART.rootId),
  ouId: anchored(PART.ouId),
  orgId: anchored(PART.orgId),
  policyId: anchored(PART.policyId),
  /** A root or an OU: where a policy or a scope can sit above accounts. */
  parentId: `^(${PART.ouId}|${PART.rootId})$`,
  /** A root, an OU or an account: any target of a policy. */
  targetId: `^(${PART.rootId}|${PART.ouId}|${PART.accountId})$`,
  modelId: anchored(PART.modelId),
  modelPattern: anchored(PART.modelPattern),
  modelRef: anchored(PART.modelRef),
  profileId: `^${GEO}\\..+$`,
  roleSessionName: anchored(PART.roleSessionName),
  externalId: anchored(PART.externalId),
  accessKeyId: anchored(PART.accessKeyId),
  s3Bucket: anchored(PART.s3Bucket),
  mantleProjectId: anchored(PART.mantleProjectId),
  claudeWorkspaceId: anchored(PART.claudeWorkspaceId),
  bedrockApiKey: anchored(PART.bedrockApiKey),
  licenseGrantArn: anchored(PART.licenseGrantArn),
  /** An IAM user or role, or an STS assumed-role session (paths allowed). */
  principalArn: `^arn:${PART.partition}:(iam|sts)::${PART.accountId}:(user|role|assumed-role)\\/[\\w+=,.@/-]{1,512}$`,
  /** A guardrail version (`…:guardrail/<id>:<version>`), as Bedrock policies must name it. */
  guardrailVersionArn: `^arn:${PART.partition}:bedrock:${PART.region}:${PART.accountId}:guardrail/[a-z0-9]+:[1-9][0-9]*$`,
  /** An IAM user or role ARN in the commercial partition (scenario files). */
  iamPrincipalArn: `^arn:aws:iam::${PART.accountId}:(role|user)/.+$`,
} as const;

export type IdKind = keyof typeof ID_PATTERN;

const REGEX = Object.fromEntries(Object.entries(ID_PATTERN).map(([k, v]) => [k, new RegExp(v)])) as Record<
  IdKind,
  RegExp
>;

/** Whether `value` is a well-formed id of this kind. */
export const isId = (kind: IdKind, value: string): boolean => REGEX[kind].test(value);

export const isRegion = (v: string) => REGEX.region.test(v);
export const isAccountId = (v: string) => REGEX.accountId.test(v);
export const isOuId = (v: string) => REGEX.ouId.test(v);
export const isRootId = (v: string) => REGEX.rootId.test(v);
/** A system-defined (geographic or global) inference profile id. */
export const isProfileId = (v: string) => REGEX.profileId.test(v);

/** The geography of a system-defined profile id (`us`, `eu`, `global`…), or undefined. */
export function profileGeo(id: string): string | undefined {
  const m = PROFILE_GEO_RE.exec(id);
  return m?.[1];
}
const PROFILE_GEO_RE = new RegExp(`^${GEO}\\.`);

/** The kind of an organization target by the shape of its id. */
export function targetKindOf(id: string): "root" | "ou" | "account" | undefined {
  if (REGEX.accountId.test(id)) return "account";
  if (REGEX.rootId.test(id)) return "root";
  if (REGEX.ouId.test(id)) return "ou";
  return undefined;
}

// ---- TypeBox schemas -----------------------------------------------------------------------------

type Opts = Omit<TStringOptions, "pattern">;
const idSchema =
  (kind: IdKind) =>
  (opts: Opts = {}) =>
    Type.String({ pattern: ID_PATTERN[kind], ...opts });

export const RegionSchema = idSchema("region");
export const AccountIdSchema = idSchema("accountId");
export const OuIdSchema = idSchema("ouId");
export const RootIdSchema = idSchema("rootId");
export const OrgIdSchema = idSchema("orgId");
export const PolicyIdSchema = idSchema("policyId");
export const ParentIdSchema = idSchema("parentId");
export const TargetIdSchema = idSchema("targetId");
export const ModelIdSchema = idSchema("modelId");
export const ModelPatternSchema = idSchema("modelPattern");
export const ModelRefSchema = idSchema("modelRef");
export const ProfileIdSchema = idSchema("profileId");
export const PrincipalArnSchema = idSchema("principalArn");
export const IamPrincipalArnSchema = idSchema("iamPrincipalArn");
export const AccessKeyIdSchema = idSchema("accessKeyId");
export const S3BucketSchema = idSchema("s3Bucket");
export const MantleProjectIdSchema = idSchema("mantleProjectId");
export const ClaudeWorkspaceIdSchema = idSchema("claudeWorkspaceId");
export const BedrockApiKeySchema = idSchema("bedrockApiKey");

// ---- ARN parsers ---------------------------------------------------------------------------------

export interface RoleArn {
  partition: string;
  accountId: string;
  /** `/` or `/aws-reserved/sso.amazonaws.com/` and the like. */
  path: string;
  name: string;
}

const ROLE_ARN_RE = new RegExp(
  `^arn:(?<partition>${PART.partition}):iam::(?<account>${PART.accountId}):(?<kind>user|role)(?<path>/(?:${PART.iamName}/)*)(?<name>${PART.iamName})$`,
);

/** An IAM role or user ARN, path included; undefined when `arn` is not one. */
export function parseIamArn(arn: string): (RoleArn & { kind: "user" | "role" }) | undefined {
  const g = ROLE_ARN_RE.exec(arn)?.groups;
  if (!g) return undefined;
  return {
    partition: g.partition as string,
    accountId: g.account as string,
    kind: g.kind as "user" | "role",
    path: g.path as string,
    name: g.name as string,
  };
}

const ASSUMED_ROLE_RE = new RegExp(
  `^arn:(?<partition>${PART.partition}):sts::(?<account>${PART.accountId}):assumed-role/(?<role>${PART.iamName})/(?<session>${PART.iamName})$`,
);

/** An STS assumed-role session ARN; undefined when `arn` is not one. */
export function parseAssumedRoleArn(
  arn: string,
): { partition: string; accountId: string; roleName: string; sessionName: string } | undefined {
  const g = ASSUMED_ROLE_RE.exec(arn)?.groups;
  if (!g) return undefined;
  return {
    partition: g.partition as string,
    accountId: g.account as string,
    roleName: g.role as string,
    sessionName: g.session as string,
  };
}

const BEDROCK_ARN_RE = new RegExp(
  `^arn:${PART.partition}:bedrock:(?<region>[^:]*):(?<account>[^:]*):(?<type>[a-z-]+)/(?<id>.+)$`,
);

/** A Bedrock resource ARN (`foundation-model/…`, `inference-profile/…`…); undefined otherwise. */
export function parseBedrockArn(
  arn: string,
): { region: string; accountId: string; resourceType: string; resourceId: string } | undefined {
  const g = BEDROCK_ARN_RE.exec(arn)?.groups;
  if (!g) return undefined;
  return {
    region: g.region as string,
    accountId: g.account as string,
    resourceType: g.type as string,
    resourceId: g.id as string,
  };
}

const ARN_RE = new RegExp(
  `^arn:(?<partition>${PART.partition}):(?<service>[\\w-]+):(?<region>[\\w-]*):(?<account>${PART.accountId})?:(?<resource>.+)$`,
);

/** Any ARN's parts; undefined when `arn` is not one. The account is empty for AWS-owned resources. */
export function parseArn(
  arn: string,
): { partition: string; service: string; region: string; accountId: string; resource: string } | undefined {
  const g = ARN_RE.exec(arn)?.groups;
  if (!g) return undefined;
  return {
    partition: g.partition as string,
    service: g.service as string,
    region: g.region as string,
    accountId: g.account ?? "",
    resource: g.resource as string,
  };
}
