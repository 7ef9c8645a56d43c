// Builds the reachability engine's inventory (AccountInventory) from flat rows, the way tests
// describe an organization: accounts, account-Regions, models, profiles and SCP levels.
import type { ScpLevel } from "../../src/lib/policy-evaluator.js";
import {
  type AccountInventory,
  type ApiKeyHolder,
  type BedrockPolicyFacts,
  type ClaudePlatformWorkspace,
  type EnforcedGuardrail,
  type Known,
  known,
  type MantleModel,
  type MantleProject,
  type ModelFacts,
  type ProfileFacts,
  type ReceivedGrant,
  type RegionFacts,
  type RetentionMode,
  unknownFact,
} from "../../src/modules/reachability/reachability.types.js";

export interface AccountRow {
  id: string;
  name: string;
  state: string;
  leftAt: Date | null;
  lineage: readonly string[];
  useCaseSubmitted: boolean | null;
  management?: boolean;
  bedrockPolicy?: Known<BedrockPolicyFacts>;
  grants?: Known<readonly ReceivedGrant[]>;
  apiKeys?: Known<readonly ApiKeyHolder[]>;
  claudePlatform?: Known<readonly ClaudePlatformWorkspace[]>;
  recentlyUsed?: Known<ReadonlySet<string>>;
}

export interface AccountRegionRow {
  accountId: string;
  region: string;
  status: string;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastErrorGate: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  loggingEnabled: boolean | null;
  guardrails: readonly EnforcedGuardrail[] | null;
  dataRetention?: Known<RetentionMode>;
  mantleProjects?: Known<readonly MantleProject[]>;
  mantleModels?: Known<readonly MantleModel[]>;
}

export interface ModelRow
  extends Omit<ModelFacts, "inferenceTypes" | "publicExtendedAccessTime" | "availabilityError" | "offerCount"> {
  accountId: string;
  region: string;
  inferenceTypes?: string[];
  publicExtendedAccessTime?: Date | null;
  availabilityError?: string | null;
  offerCount?: number | null;
}

export interface ProfileRow {
  accountId: string;
  region: string;
  profileId: string;
  isGlobal: boolean;
  modelIds: readonly string[];
  destinationRegions: readonly string[];
}

export function toInventory(input: {
  accounts: readonly AccountRow[];
  accountRegions: readonly AccountRegionRow[];
  models: readonly ModelRow[];
  profiles: readonly ProfileRow[];
  /** Account id → SCP levels; an account missing here has no SCPs in force. */
  scps: ReadonlyMap<string, readonly ScpLevel[]>;
}): AccountInventory[] {
  return input.accounts.map((a) => {
    const regions = new Map<string, RegionFacts>();
    const details = new Map<
      string,
      AccountInventory["regionDetails"] extends ReadonlyMap<string, infer D> ? D : never
    >();
    for (const r of input.accountRegions.filter((x) => x.accountId === a.id)) {
      const models = new Map<string, ModelFacts>();
      for (const m of input.models.filter((x) => x.accountId === a.id && x.region === r.region)) {
        const { accountId: _a, region: _r, ...rest } = m;
        models.set(m.modelId, {
          ...rest,
          offerCount: m.offerCount ?? null,
          inferenceTypes: m.inferenceTypes ?? ["ON_DEMAND"],
          publicExtendedAccessTime: m.publicExtendedAccessTime ?? null,
          availabilityError: m.availabilityError ?? null,
        });
      }
      const profiles = new Map<string, ProfileFacts>();
      for (const p of input.profiles.filter((x) => x.accountId === a.id && x.region === r.region))
        profiles.set(p.profileId, {
          profileId: p.profileId,
          arn: `arn:aws:bedrock:${r.region}:${a.id}:inference-profile/${p.profileId}`,
          isGlobal: p.isGlobal,
          modelId: p.modelIds[0] as string,
          destinationRegions: p.destinationRegions,
        });
      regions.set(r.region, {
        region: r.region,
        status: r.status as RegionFacts["status"],
        errorGate: r.lastErrorGate,
        errorMessage: r.lastErrorMessage,
        models,
        profiles,
        dataRetention: r.dataRetention ?? known("default"),
        mantleProjects: r.mantleProjects ?? known([]),
        mantleModels: r.mantleModels ?? known([]),
      });
      details.set(r.region, {
        lastSuccessAt: r.lastSuccessAt,
        lastErrorAt: r.lastErrorAt,
        lastErrorCode: r.lastErrorCode,
        loggingEnabled: r.loggingEnabled,
        guardrails: r.guardrails,
      });
    }
    return {
      facts: {
        accountId: a.id,
        management: a.management ?? false,
        active: a.state === "ACTIVE" && a.leftAt === null,
        scps: a.management ? [] : (input.scps.get(a.id) ?? []),
        useCaseOnFile: a.useCaseSubmitted === null ? unknownFact("not read") : known(a.useCaseSubmitted),
        bedrockPolicy: a.bedrockPolicy ?? known({ policyIds: [], invalidGuardrails: [] }),
        grants: a.grants ?? known([]),
        apiKeys: a.apiKeys ?? known([]),
        claudePlatform: a.claudePlatform ?? known([]),
        recentlyUsed: a.recentlyUsed ?? known(new Set<string>()),
        regions,
      },
      name: a.name,
      state: a.state,
      leftAt: a.leftAt,
      lineage: a.lineage,
      regionDetails: details,
    };
  });
}
