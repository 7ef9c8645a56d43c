// Catalog → least-privilege identity policy for a developer role in one account and Region.
//
// A call through an inference profile is authorized on the profile ARN (source Region) AND on the
// model ARN in every destination Region; a global profile on the model ARN in the source Region and
// the Region-less model ARN, requested with `aws:RequestedRegion = unspecified`. Statements:
//   ApprovedModels         direct-use model ARNs in the Region, approved profile ARNs, and the
//                          destination-Region model ARNs of profiles approved by direct-use entries
//                          (the catalog allows those Regions anyway);
//   ViaProfile<n>          per profile of a `viaProfiles` entry: its destination-Region (global:
//                          source-Region) model ARNs, only with `bedrock:InferenceProfileArn` = it;
//   GlobalInference        Region-less model ARNs of approved global profiles, only for
//                          `aws:RequestedRegion = unspecified`;
//   GlobalViaProfile<n>    the same for a global profile of a `viaProfiles` entry, also bound to it.
// Only entries allowing the `runtime` endpoint give these. The other surfaces (iam-surfaces.ts):
//   MantleInference, MantleProjectRead   bedrock-mantle, for entries allowing `mantle`;
//   MarketplaceSubscribe, MarketplaceViewSubscriptions   the first call's subscription to the
//                          approved third-party models, scoped by aws-marketplace:ProductId;
//   ApiKeysRuntime, ApiKeysMantle        Bedrock API keys, only where an entry has `apiKeys`.
// The result is also given as customer managed policies of at most 6,144 characters each (iam-split.ts).
import { isAccountId } from "../../kernel/aws-ids.js";
import {
  compareStrings,
  foundationModelArn,
  hasWildcard,
  inferenceProfileArn,
  REGIONLESS,
  sortStrings,
} from "./arns.js";
import { AllowIndex, type GrantInput, scopeAllows } from "./grants.js";
import { splitIamPolicy } from "./iam-split.js";
import type { IamPolicyDocument, IamStatement } from "./iam-types.js";

export type { IamPolicyDocument, IamStatement };

import { allowsEndpoint, apiKeyStatements, mantleStatements, marketplaceStatements } from "./iam-surfaces.js";

export const IAM_INVOKE_ACTIONS = [
  "bedrock:Converse",
  "bedrock:ConverseStream",
  "bedrock:InvokeModel",
  "bedrock:InvokeModelWithResponseStream",
] as const;

/** AWS limit for a customer managed policy; inline policies share 10,240 characters per role. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

export interface CompileIamInput extends GrantInput {
  accountId: string;
  region: string;
  /** Model ids bedrock-mantle serves in the account-Region (GET /v1/models); undefined: not read. */
  mantleModels?: readonly string[];
}

export interface CompiledIamPolicy {
  /** The whole policy (an inline policy, if it fits a role's 10,240 characters). */
  document: IamPolicyDocument;
  /** The same statements as customer managed policies of at most 6,144 characters each. */
  managedPolicies: IamPolicyDocument[];
  warnings: string[];
}

export function compileIamPolicy(input: CompileIamInput): CompiledIamPolicy {
  const { accountId, region } = input;
  if (!isAccountId(accountId)) throw new RangeError(`accountId must be 12 digits, got "${accountId}"`);
  if (region === REGIONLESS || hasWildcard(region))
    throw new RangeError(`region must be a Region name, got "${region}"`);
  const runtimeEntries = input.entries.filter((e) => allowsEndpoint(e, "runtime"));
  const index = new AllowIndex({ ...input, entries: runtimeEntries });
  const warnings = [...index.grants.notes];
  /** Bedrock model ids the runtime statements allow in the Region (for Marketplace). */
  const runtimeModels = new Set<string>();
  const actions = [...IAM_INVOKE_ACTIONS];
  const plain = new Set<string>();
  const globalPlain = new Set<string>();
  const via = new Map<string, { profileArn: string; resources: Set<string>; regionless?: string }>();

  for (const g of index.grants.modelGrants) {
    if (!scopeAllows(g.scope, region)) continue;
    const known = index.regionsOf(g.model);
    if (!hasWildcard(g.model) && known.size > 0 && !known.has(region)) {
      warnings.push(`entry ${g.entryId}: ${g.model} is not offered in ${region}`);
      continue;
    }
    plain.add(foundationModelArn(region, g.model));
    if (!hasWildcard(g.model)) runtimeModels.add(g.model);
    else
      for (const id of index.knownModelIds())
        if (index.regionsOf(id).has(region) && index.directAllows(id, region)) runtimeModels.add(id);
  }

  for (const g of index.grants.profileGrants) {
    const p = g.profile;
    if (!g.sources.includes(region)) {
      if (g.viaOnly) warnings.push(`entry ${g.entryId}: profile ${p.profileId} cannot be called from ${region}`);
      continue;
    }
    const profileArn = inferenceProfileArn(region, accountId, p.profileId);
    plain.add(profileArn);
    runtimeModels.add(p.modelId);
    const reached = p.isGlobal ? [region] : p.destinationRegions;
    const modelArns = reached.map((r) => foundationModelArn(r, p.modelId));
    const regionless = foundationModelArn(REGIONLESS, p.modelId);
    if (!g.viaOnly) {
      for (const arn of modelArns) plain.add(arn);
      if (p.isGlobal) globalPlain.add(regionless);
      continue;
    }
    const v = via.get(p.profileId) ?? { profileArn, resources: new Set<string>() };
    via.set(p.profileId, v);
    for (const arn of modelArns) v.resources.add(arn);
    if (p.isGlobal) v.regionless = regionless;
  }

  const statements: IamStatement[] = [];
  if (plain.size > 0)
    statements.push({ Sid: "ApprovedModels", Effect: "Allow", Action: actions, Resource: sortStrings(plain) });
  const viaIds = [...via.keys()].sort(compareStrings);
  viaIds.forEach((id, i) => {
    const v = via.get(id);
    if (v === undefined) return;
    const resources = sortStrings([...v.resources].filter((arn) => !plain.has(arn)));
    if (resources.length > 0)
      statements.push({
        Sid: `ViaProfile${i + 1}`,
        Effect: "Allow",
        Action: actions,
        Resource: resources,
        Condition: { StringEquals: { "bedrock:InferenceProfileArn": v.profileArn } },
      });
  });
  if (globalPlain.size > 0)
    statements.push({
      Sid: "GlobalInference",
      Effect: "Allow",
      Action: actions,
      Resource: sortStrings(globalPlain),
      Condition: { StringEquals: { "aws:RequestedRegion": "unspecified" } },
    });
  viaIds.forEach((id, i) => {
    const v = via.get(id);
    if (v?.regionless === undefined || globalPlain.has(v.regionless)) return;
    statements.push({
      Sid: `GlobalViaProfile${i + 1}`,
      Effect: "Allow",
      Action: actions,
      Resource: [v.regionless],
      Condition: {
        StringEquals: { "aws:RequestedRegion": "unspecified", "bedrock:InferenceProfileArn": v.profileArn },
      },
    });
  });

  const surface = { accountId, region, entries: input.entries, now: input.now };
  const mantle = mantleStatements({
    ...surface,
    served: input.mantleModels,
    knownModelIds: index.knownModelIds(),
  });
  statements.push(...mantle.statements);
  warnings.push(...mantle.warnings);
  const approved = sortStrings([...runtimeModels, ...mantle.approvedModelIds]).map((modelId) => ({
    modelId,
    provider: index.modelsById.get(modelId)?.provider ?? "",
    marketplace: index.modelsById.get(modelId)?.marketplace,
  }));
  const marketplace = marketplaceStatements(approved);
  const keys = apiKeyStatements(surface);
  statements.push(...marketplace.statements, ...keys.statements);
  warnings.push(...marketplace.warnings, ...keys.warnings);

  if (statements.length === 0) {
    // A policy needs a statement; with nothing approved, say so explicitly.
    warnings.push(`nothing in the catalog is approved for account ${accountId} in ${region}`);
    statements.push({ Sid: "NoApprovedModels", Effect: "Deny", Action: actions, Resource: ["*"] });
  }
  const document: IamPolicyDocument = { Version: "2012-10-17", Statement: statements };
  const managedPolicies = splitIamPolicy(statements, MANAGED_POLICY_MAX_CHARACTERS);
  if (managedPolicies.length > 1)
    warnings.push(
      `the policy has ${JSON.stringify(document).length} characters, more than the ${MANAGED_POLICY_MAX_CHARACTERS} of a managed policy: ` +
        `attach the ${managedPolicies.length} managed policies, or approve model families with pattern entries`,
    );
  return { document, managedPolicies, warnings };
}
