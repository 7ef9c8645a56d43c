// The sandbox's live, mutable world, built once from a validated scenario. Services read and
// change it; tests inspect it through `sandbox.state`. The types live in state-types.ts; the parts
// about model access in 2026 are built by state-access.ts.
import { randomBytes } from "node:crypto";
import {
  builtin2026Models,
  builtin2026Profiles,
  builtinModels,
  builtinProfiles,
  isMarketplaceProvider,
  productIdFor,
} from "./catalog.js";
import { type NamedPolicy, parsePolicyDocument } from "./policy-evaluator.js";
import type { Scenario, ScenarioLoggingConfig, ScenarioModel } from "./scenario.js";
import { buildAccessState } from "./state-access.js";
import type { OrgPolicy, OrgUnit, SandboxAccount, SandboxModel, SandboxProfile, SandboxState } from "./state-types.js";

export { accessOverride, agreementFor, useCaseSubmitted } from "./model-access.js";
export * from "./state-types.js";

export const FULL_AWS_ACCESS_ID = "p-FullAWSAccess";
const FULL_AWS_ACCESS_CONTENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
/** Principals the scenario does not describe act as administrators, like a fresh member role. */
export const ADMIN_POLICY: NamedPolicy = {
  id: "AdministratorAccess",
  document: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

/** One CloudTrail event of the simulated organization (built by `trail.ts`). */

function normaliseModel(m: ScenarioModel, defaultRegions: string[]): SandboxModel {
  const marketplace = m.marketplace ?? isMarketplaceProvider(m.provider);
  const offers = (m.offers ?? []).map((o, i) => ({
    offerId: o.offerId ?? `offer-${i + 1}`,
    offerToken: o.offerToken,
    legalUrl: o.legalUrl ?? `https://aws.amazon.com/marketplace/pp/${m.id}/eula`,
    price: o.price ?? "0.003",
  }));
  if (marketplace && offers.length === 0) {
    offers.push({
      offerId: `offer-${m.id.replace(/[^a-z0-9]/gi, "").slice(0, 24)}`,
      offerToken: Buffer.from(`offer:${m.id}`).toString("base64url"),
      legalUrl: `https://aws.amazon.com/marketplace/pp/${m.id}/eula`,
      price: "0.003",
    });
  }
  return {
    id: m.id,
    arnSuffix: `foundation-model/${m.id}`,
    name: m.name ?? m.id,
    provider: m.provider,
    inputModalities: m.inputModalities ?? ["TEXT"],
    outputModalities: m.outputModalities ?? ["TEXT"],
    inferenceTypes: m.inferenceTypes ?? ["ON_DEMAND"],
    customizations: m.customizations ?? [],
    streaming: m.streaming ?? !(m.outputModalities ?? ["TEXT"]).includes("EMBEDDING"),
    lifecycle: m.lifecycle ?? { status: "ACTIVE" },
    regions: new Set(m.regions ?? defaultRegions),
    marketplace,
    offers,
    agreementDelaySeconds: m.agreementDelaySeconds ?? 0,
    productId: marketplace ? (m.productId ?? productIdFor(m.id)) : undefined,
    retention: {
      allowedModes: m.dataRetention?.allowedModes ?? ["none", "default", "aws_review", "provider_data_share"],
      defaultMode: m.dataRetention?.defaultMode ?? "default",
    },
    mantleId: m.mantleId,
  };
}

export function buildState(scenario: Scenario): SandboxState {
  const org = scenario.organization;
  const mgmt = org.managementAccountId;
  const rootId = org.rootId ?? `r-${org.id.slice(2, 6)}`;
  const orgArn = (kind: string, id: string) => `arn:aws:organizations::${mgmt}:${kind}/${org.id}/${id}`;
  const defaultRegions = scenario.defaultRegions ?? ["us-east-1", "us-west-2"];
  const resolveParent = (p: string | undefined) => (p === undefined || p === "root" ? rootId : p);
  const mgmtAccount = scenario.accounts.find((a) => a.id === mgmt);

  const ous = new Map<string, OrgUnit>();
  for (const ou of scenario.ous ?? []) {
    ous.set(ou.id, { id: ou.id, name: ou.name, arn: orgArn("ou", ou.id), parentId: resolveParent(ou.parent) });
  }

  const accounts = new Map<string, SandboxAccount>();
  scenario.accounts.forEach((a, i) => {
    const principals = new Map<string, NamedPolicy[]>();
    for (const p of a.principals ?? []) {
      principals.set(
        p.arn,
        p.policies.map((pol) => ({ id: pol.name, document: parsePolicyDocument(pol.document) })),
      );
    }
    const logging = new Map<string, ScenarioLoggingConfig | null>(Object.entries(a.invocationLogging ?? {}));
    accounts.set(a.id, {
      id: a.id,
      name: a.name,
      email: a.email ?? `aws+${a.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}@example.com`,
      arn: orgArn("account", a.id),
      parentId: resolveParent(a.parent),
      state: a.state ?? "ACTIVE",
      joinedMethod: a.id === mgmt ? "CREATED" : i % 5 === 4 ? "INVITED" : "CREATED",
      joinedTimestamp: new Date(a.joinedAt ?? Date.UTC(2021, 0, 4) + i * 86_400_000),
      memberRole: a.memberRole ?? "present",
      memberRoleDeniedActions: new Set([
        ...(scenario.memberRoleDeniedActions ?? []),
        ...(a.memberRoleDeniedActions ?? []),
      ]),
      regions: a.regions ?? defaultRegions,
      useCaseFormData: a.anthropicUseCase
        ? Buffer.from(
            JSON.stringify({ companyName: a.name, intendedUsers: "0", industryOption: "Technology" }),
          ).toString("base64")
        : undefined,
      invocationLogging: logging,
      enforcedGuardrails: new Map(Object.entries(a.enforcedGuardrails ?? {})),
      modelAccess: a.modelAccess ?? [],
      principals,
      paymentMethod: a.marketplace?.paymentMethod ?? true,
      agreementDefault: a.marketplace?.agreementDefault ?? scenario.marketplaceAgreementDefault ?? "AVAILABLE",
      managedEntitlementModels: new Set(a.managedEntitlementModels ?? []),
      legacyModelActivity: new Map(Object.entries(a.legacyModelActivity ?? {})),
    });
  });

  const policies = new Map<string, OrgPolicy>();
  if (scenario.fullAwsAccess !== false) {
    policies.set(FULL_AWS_ACCESS_ID, {
      id: FULL_AWS_ACCESS_ID,
      arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
      name: "FullAWSAccess",
      description: "Allows access to every operation",
      type: "SERVICE_CONTROL_POLICY",
      awsManaged: true,
      content: FULL_AWS_ACCESS_CONTENT,
      // AWS attaches it to every root, OU and account; the sandbox models that.
      targets: new Set([rootId, ...ous.keys(), ...accounts.keys()]),
    });
  }
  for (const p of scenario.policies ?? []) {
    const type = p.type ?? "SERVICE_CONTROL_POLICY";
    policies.set(p.id, {
      id: p.id,
      arn: `arn:aws:organizations::${mgmt}:policy/${org.id}/${type.toLowerCase()}/${p.id}`,
      name: p.name,
      description: p.description ?? "",
      type,
      awsManaged: p.awsManaged ?? false,
      content: typeof p.content === "string" ? p.content : JSON.stringify(p.content),
      targets: new Set((p.targets ?? []).map((t) => (t === "root" ? rootId : t))),
    });
  }

  const models = new Map<string, SandboxModel>();
  for (const m of scenario.models ?? [...builtinModels(), ...builtin2026Models()])
    models.set(m.id, normaliseModel(m, defaultRegions));
  const profiles = new Map<string, SandboxProfile>();
  const defaultProfiles = () => [...builtinProfiles(defaultRegions), ...builtin2026Profiles(defaultRegions)];
  for (const p of scenario.inferenceProfiles ?? (scenario.models ? [] : defaultProfiles())) {
    const global = p.id.startsWith("global.");
    profiles.set(p.id, {
      id: p.id,
      name: p.name ?? p.id,
      description: p.description ?? `Routes requests to ${p.model} ${global ? "globally" : "across Regions"}.`,
      modelId: p.model,
      sourceRegions: new Set(p.sourceRegions),
      destinationRegions: global ? [] : (p.destinationRegions ?? p.sourceRegions),
      global,
    });
  }

  const baseUser = org.baseUserName ?? "bedrock-governor";
  const state: SandboxState = {
    organization: {
      id: org.id,
      arn: `arn:aws:organizations::${mgmt}:organization/${org.id}`,
      managementAccountId: mgmt,
      managementAccountArn: orgArn("account", mgmt),
      managementAccountEmail: mgmtAccount?.email ?? accounts.get(mgmt)?.email ?? "",
      rootId,
      rootArn: orgArn("root", rootId),
      ...(org.delegatedPolicyTypes ? { delegatedPolicyTypes: [...org.delegatedPolicyTypes] } : {}),
    },
    defaultRegions,
    memberRoleName: scenario.memberRoleName ?? "OrganizationAccountAccessRole",
    externalId: scenario.externalId,
    ous,
    accounts,
    policies,
    models,
    profiles,
    agreements: new Map(),
    sessions: new Map(),
    base: {
      accessKeyId: org.baseAccessKeyId ?? `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
      secretAccessKey: org.baseSecretAccessKey ?? randomBytes(30).toString("base64"),
      userArn: `arn:aws:iam::${mgmt}:user/${baseUser}`,
      userId: `AIDA${Buffer.from(`${mgmt}:${baseUser}`).toString("hex").toUpperCase().slice(0, 17)}`,
      account: mgmt,
    },
    trail: {
      bucket: scenario.cloudtrail?.bucket ?? `aws-cloudtrail-logs-${mgmt}-org`,
      bucketAccount: scenario.cloudtrail?.bucketAccount ?? mgmt,
      ...(scenario.cloudtrail?.keyPrefix ? { keyPrefix: scenario.cloudtrail.keyPrefix } : {}),
      dataEvents: [...(scenario.cloudtrail?.dataEvents ?? [])],
      events: [],
    },
    emptyPageEvery: scenario.faults?.emptyPageEvery ?? 100,
    ...buildAccessState(
      scenario,
      {
        managementAccountId: mgmt,
        orgId: org.id,
        orgArn: `arn:aws:organizations::${mgmt}:organization/${org.id}`,
        rootId,
        ouArn: (id) => orgArn("ou", id),
      },
      accounts,
      models,
    ),
  };
  return state;
}

/** Root → OUs → account: the targets whose SCPs apply to an account. */
export function pathToRoot(state: SandboxState, accountId: string): string[] {
  const account = state.accounts.get(accountId);
  if (account === undefined) return [];
  const chain: string[] = [accountId];
  let parent: string | undefined = account.parentId;
  while (parent !== undefined) {
    chain.push(parent);
    parent = state.ous.get(parent)?.parentId;
  }
  return chain.reverse();
}

export function foundationModelArn(region: string, modelId: string): string {
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

export function inferenceProfileArn(region: string, account: string, profileId: string): string {
  return `arn:aws:bedrock:${region}:${account}:inference-profile/${profileId}`;
}
