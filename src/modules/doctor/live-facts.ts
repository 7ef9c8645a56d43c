// The doctor's facts: what the inventory last stored for the account, overlaid with what the
// doctor reads live now (the account-Region through the same reader the sync uses, the SCPs from
// Organizations) — the reachability engine then judges them like any other facts.
import type { AwsAccess } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import type { EvaluationRequest } from "../../lib/policy-evaluator.js";
import { createAccountRegionReader } from "../inventory/account-region-sync.service.js";
import { createFactsReader } from "../inventory/facts-reader.service.js";
import type { AccountRegionSnapshot, InferenceProfileRow, ModelAccessRow } from "../inventory/inventory.types.js";
import { effectiveBedrockPolicy } from "../reachability/bedrock-policy.js";
import { accountFactsOf, type FactsRepository, regionFactsOf } from "../reachability/facts.repository.js";
import {
  type AccountFacts,
  type AccountInventory,
  known,
  type ModelFacts,
  type ProfileFacts,
  type RegionFacts,
  unknownFact,
} from "../reachability/reachability.types.js";
import type { OrgPolicies } from "./gates/org-policy.gate.js";

const date = (s: string | null | undefined): Date | null => (s ? new Date(s) : null);

export function modelFactsOf(row: ModelAccessRow): ModelFacts {
  const r = row as ModelAccessRow & { publicExtendedAccessTime?: string | null; availabilityError?: string | null };
  return {
    modelId: r.modelId,
    provider: r.provider,
    inferenceTypes: r.inferenceTypes,
    lifecycleStatus: r.lifecycleStatus,
    legacyTime: date(r.legacyTime),
    publicExtendedAccessTime: date(r.publicExtendedAccessTime),
    endOfLifeTime: date(r.endOfLifeTime),
    regionAvailability: r.regionAvailability,
    agreementStatus: r.agreementStatus,
    agreementError: r.agreementError,
    offerCount: r.offerCount ?? null,
    authorizationStatus: r.authorizationStatus,
    entitlementAvailability: r.entitlementAvailability,
    availabilityError: r.availabilityError ?? null,
  };
}

export function profileFactsOf(row: InferenceProfileRow): ProfileFacts {
  return {
    profileId: row.profileId,
    arn: row.arn,
    isGlobal: row.isGlobal,
    modelId: row.modelIds[0] ?? "",
    destinationRegions: row.isGlobal ? [] : row.destinationRegions,
  };
}

/** An account the inventory does not hold yet: nothing known but its id. */
function blankAccount(accountId: string): AccountFacts {
  const why = "the account is not in the inventory yet";
  return {
    accountId,
    management: false,
    active: true,
    scps: undefined,
    useCaseOnFile: unknownFact(why),
    bedrockPolicy: unknownFact(why),
    grants: unknownFact(why),
    apiKeys: unknownFact(why),
    claudePlatform: unknownFact(why),
    recentlyUsed: unknownFact(why),
    regions: new Map(),
  };
}

/** The effective BEDROCK_POLICY from the documents Organizations returned, root first. */
function liveBedrockPolicy(org: OrgPolicies): AccountFacts["bedrockPolicy"] {
  if (org.bedrockPolicies.some((p) => p.content === undefined))
    return unknownFact("a Bedrock policy document could not be read");
  const levels = [...org.lineage]
    .reverse()
    .map((target) =>
      org.bedrockPolicies.filter((p) => p.targetId === target).map((p) => ({ id: p.id, content: p.content as string })),
    );
  const { policyIds, invalidGuardrails } = effectiveBedrockPolicy(levels);
  return known({ policyIds, invalidGuardrails });
}

export interface LiveFacts {
  facts: AccountFacts;
  stored: AccountInventory | undefined;
  /** The live read of the account-Region failed (the stored facts stand in). */
  readError?: AwsGateError;
}

export async function readLiveFacts(
  deps: { aws: AwsAccess; facts: FactsRepository },
  input: {
    accountId: string;
    region: string;
    /** The model asked about: only its availability is read live. */
    modelId: string;
    org: OrgPolicies | undefined;
    credentialsOk: boolean;
  },
): Promise<LiveFacts> {
  const { accountId, region } = input;
  const [stored] = await deps.facts.accounts([accountId]);
  const base = stored?.facts ?? blankAccount(accountId);
  const storedRegion = base.regions.get(region);
  let snapshot: AccountRegionSnapshot | undefined;
  let readError: AwsGateError | undefined;
  if (input.credentialsOk) {
    try {
      snapshot = await createAccountRegionReader({ aws: deps.aws, facts: createFactsReader() }).read(
        accountId,
        region,
        {
          accountLevel: true,
        },
      );
    } catch (err) {
      if (!(err instanceof AwsGateError)) throw err;
      readError = err;
    }
  }
  const live: RegionFacts | undefined = snapshot && {
    region,
    status: "ok",
    errorGate: null,
    errorMessage: null,
    models: new Map(snapshot.models.map((m) => [m.modelId, modelFactsOf(m)])),
    profiles: new Map(snapshot.profiles.map((p) => [p.profileId, profileFactsOf(p)])),
    ...regionFactsOf((name) => snapshot.facts.find((f) => f.region === region && f.fact === name)),
  };
  const failed: RegionFacts = {
    region,
    status: "error",
    errorGate: readError?.gate ?? "credentials",
    errorMessage: readError?.message ?? "the service has no working credentials in the account",
    models: storedRegion?.models ?? new Map(),
    profiles: storedRegion?.profiles ?? new Map(),
    dataRetention: storedRegion?.dataRetention ?? unknownFact("not read"),
    mantleProjects: storedRegion?.mantleProjects ?? unknownFact("not read"),
    mantleModels: storedRegion?.mantleModels ?? unknownFact("not read"),
  };
  const regions = new Map(base.regions);
  regions.set(region, live ?? (input.credentialsOk ? failed : { ...failed, models: new Map(), profiles: new Map() }));
  const org = input.org;
  const facts: AccountFacts = {
    ...base,
    ...(org ? { scps: org.levels, management: org.managementAccountId === accountId } : {}),
    ...(org?.source === "organizations" ? { bedrockPolicy: liveBedrockPolicy(org) } : {}),
    ...(snapshot?.useCaseSubmitted !== undefined ? { useCaseOnFile: known(snapshot.useCaseSubmitted) } : {}),
    ...(snapshot ? accountFactsOf((name) => snapshot.facts.find((f) => f.region === "" && f.fact === name)) : {}),
    regions,
  };
  return { facts, stored, ...(readError ? { readError } : {}) };
}

/** The key of one IAM question: action, resource and the context keys the simulation gets. */
export const iamKey = (req: EvaluationRequest) =>
  `${req.action}\u0000${req.resource}\u0000${JSON.stringify(req.context ?? {})}`;
