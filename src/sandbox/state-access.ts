// Builds the parts of the state about model access in 2026 from the scenario: Bedrock API keys,
// account-level data retention, bedrock-mantle projects, License Manager licenses and grants,
// Claude Platform workspaces and the scenario switches. Ids are derived from the scenario so the
// same scenario always yields the same ARNs.
import { createHash } from "node:crypto";
import type { Scenario } from "./scenario.js";
import type {
  AccessState,
  ApiKeyRecord,
  ClaudeWorkspace,
  GrantRecord,
  LicenseRecord,
  MantleProject,
  RetentionState,
  SandboxAccount,
  SandboxModel,
  SandboxSwitches,
} from "./state-types.js";

const hex = (s: string, n: number) => createHash("sha256").update(s).digest("hex").slice(0, n);
const upper = (s: string, n: number) =>
  createHash("sha256")
    .update(s)
    .digest("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .toUpperCase()
    .slice(0, n);

/** The Claude Platform models the built-in scenario knows (bare first-party ids). */
export const DEFAULT_CLAUDE_PLATFORM_MODELS = ["claude-sonnet-4-6", "claude-opus-4-8", "claude-haiku-4-5"];
/** [3p] Marketplace-sourced licenses are issued by the AWS Marketplace account. */
const MARKETPLACE_ISSUER = "294406891311";

export const iamUserArn = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
export const iamUserId = (account: string, name: string) => `AIDA${upper(`${account}:user/${name}`, 17)}`;
export const apiKeyId = (secret: string) => `ACCA${upper(`key:${secret}`, 17)}`;
export const mantleProjectArn = (region: string, account: string, id: string) =>
  `arn:aws:bedrock-mantle:${region}:${account}:project/${id}`;
export const workspaceArn = (region: string, account: string, id: string) =>
  `arn:aws:aws-external-anthropic:${region}:${account}:workspace/${id}`;
export const licenseArnFor = (beneficiary: string, modelId: string) =>
  `arn:aws:license-manager::${MARKETPLACE_ISSUER}:license:l-${hex(`${beneficiary}|${modelId}`, 32)}`;
export const grantArnFor = (grantor: string, seed: string) =>
  `arn:aws:license-manager::${grantor}:grant:g-${hex(seed, 32)}`;
export const projectKey = (account: string, region: string, id: string) => `${account}|${region}|${id}`;

export interface OrgRefs {
  managementAccountId: string;
  orgId: string;
  orgArn: string;
  rootId: string;
  ouArn(id: string): string;
}

export function buildAccessState(
  scenario: Scenario,
  org: OrgRefs,
  accounts: Map<string, SandboxAccount>,
  models: Map<string, SandboxModel>,
): AccessState {
  const created = new Date(Date.UTC(2026, 0, 15));
  const apiKeys = new Map<string, ApiKeyRecord>();
  const retention: RetentionState = {
    defaultMode: scenario.dataRetention?.default ?? "inherit",
    byAccountRegion: new Map(),
  };
  const projects = new Map<string, MantleProject>();
  const workspaces = new Map<string, ClaudeWorkspace>();
  for (const a of scenario.accounts) {
    const acct = accounts.get(a.id) as SandboxAccount;
    for (const k of a.apiKeys ?? []) {
      apiKeys.set(k.key, {
        id: k.id ?? apiKeyId(k.key),
        secret: k.key,
        account: a.id,
        userName: k.user,
        userArn: iamUserArn(a.id, k.user),
        userId: iamUserId(a.id, k.user),
        serviceName: "bedrock.amazonaws.com",
        status: k.status ?? "Active",
        createdAt: k.createdAt ? new Date(k.createdAt) : created,
        expiresAt: k.expiresAt ? new Date(k.expiresAt) : undefined,
      });
    }
    const modes = a.dataRetention ?? {};
    for (const region of acct.regions) {
      const mode = modes[region] ?? modes["*"];
      if (mode !== undefined) retention.byAccountRegion.set(`${a.id}|${region}`, { mode, updatedAt: created });
    }
    for (const p of a.mantleProjects ?? []) {
      const region = p.region ?? (acct.regions[0] as string);
      projects.set(projectKey(a.id, region, p.id), {
        id: p.id,
        account: a.id,
        region,
        name: p.name,
        arn: mantleProjectArn(region, a.id, p.id),
        tags: { ...(p.tags ?? {}) },
        retention: p.dataRetention ?? "inherit",
        status: p.status ?? "active",
        createdAt: created,
        archivedAt: p.status === "archived" ? created : undefined,
      });
    }
    for (const w of a.claudePlatformWorkspaces ?? []) {
      const region = w.region ?? (acct.regions[0] as string);
      workspaces.set(projectKey(a.id, region, w.id), {
        id: w.id,
        account: a.id,
        region,
        name: w.name ?? w.id,
        arn: workspaceArn(region, a.id, w.id),
      });
    }
  }

  const mgmt = org.managementAccountId;
  const licenses = new Map<string, LicenseRecord>();
  const license = (modelId: string, name?: string): LicenseRecord => {
    const arn = licenseArnFor(mgmt, modelId);
    const existing = licenses.get(arn);
    if (existing !== undefined) return existing;
    const model = models.get(modelId);
    const rec: LicenseRecord = {
      arn,
      modelId,
      name: name ?? `${model?.name ?? modelId} (Amazon Bedrock)`,
      productSku: model?.productId ?? modelId,
      beneficiary: mgmt,
      createdAt: created,
    };
    licenses.set(arn, rec);
    return rec;
  };
  const me = scenario.managedEntitlements;
  for (const l of me?.licenses ?? []) license(l.model, l.name);
  const switches: SandboxSwitches = {
    useCaseMemberAnswer: scenario.useCaseMemberAnswer ?? "inherited",
    bedrockPolicyFailure: {
      scope: scenario.bedrockPolicyFailure?.scope ?? "all_bedrock_calls",
      error: scenario.bedrockPolicyFailure?.error ?? "AccessDeniedException",
      mantle: scenario.bedrockPolicyFailure?.mantle ?? false,
    },
    newGrantStatus: me?.newGrantStatus ?? "PENDING_ACCEPT",
    availabilityWithoutGrant: me?.availabilityWithoutGrant ?? "NOT_AVAILABLE",
  };
  const grants = new Map<string, GrantRecord>();
  (me?.grants ?? []).forEach((g, i) => {
    const lic = license(g.model);
    const scope = grantScope(g.principal, org, accounts);
    const arn = grantArnFor(mgmt, `scenario|${i}|${g.model}|${g.principal}`);
    grants.set(arn, {
      arn,
      name: g.name ?? `${lic.name} grant`,
      licenseArn: lic.arn,
      modelId: g.model,
      grantor: mgmt,
      principalArn: principalArnFor(scope, org),
      scope,
      homeRegion: "us-east-1",
      allowedOperations: ["CheckoutLicense", "CheckInLicense", "ExtendConsumptionLicense", "ListPurchasedLicenses"],
      version: 1,
      deleted: false,
      defaultStatus: g.status ?? switches.newGrantStatus,
      accounts: new Map(Object.entries(g.accounts ?? {})),
    });
  });
  return {
    apiKeys,
    retention,
    projects,
    licenses,
    grants,
    workspaces,
    claudePlatformModels: scenario.claudePlatform?.models ?? DEFAULT_CLAUDE_PLATFORM_MODELS,
    switches,
  };
}

/** A grant principal as the scenario writes it: account id, OU id, "root"/root id, "organization". */
export function grantScope(
  principal: string,
  org: Pick<OrgRefs, "rootId">,
  accounts: Map<string, unknown>,
): GrantRecord["scope"] {
  if (principal === "organization" || principal === "root" || principal === org.rootId) return { kind: "organization" };
  if (accounts.has(principal)) return { kind: "account", id: principal };
  return { kind: "ou", id: principal };
}

export function principalArnFor(scope: GrantRecord["scope"], org: OrgRefs): string {
  if (scope.kind === "account") return `arn:aws:iam::${scope.id}:root`;
  if (scope.kind === "ou") return org.ouArn(scope.id);
  return org.orgArn;
}
