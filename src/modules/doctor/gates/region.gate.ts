// Gate 2, Region: is the model (or inference profile) offered in the calling Region, directly or
// through a profile; if not, where it is and which profiles could serve this Region. Answers come
// from live Bedrock calls in the account; the inventory fills in when those fail.

import type { FoundationModelSummary, InferenceProfileSummary } from "../../../aws/api/bedrock.js";
import type { AccountApis } from "../../../aws/aws-access.js";
import { AwsGateError } from "../../../aws/errors.js";
import { compareStrings } from "../../catalog/arns.js";
import type { DoctorRepository } from "../doctor.repository.js";
import type { GateResult } from "../doctor.types.js";
import type { InvocationTarget } from "../invocation.js";

export interface RegionOutcome {
  result: GateResult;
  /** What the later gates evaluate: the requested target, or the profile that would serve it. */
  target: InvocationTarget;
  provider: string;
  /** Whether the model itself is offered in the calling Region (availability is read there). */
  offeredHere: boolean;
}

/** `x` for a model id, profile id, or either's ARN. */
export function parseModelInput(input: string): { id: string; profileArn?: string } {
  const profile = /:inference-profile\/(.+)$/.exec(input);
  if (profile?.[1]) return { id: profile[1], profileArn: input };
  const model = /:foundation-model\/(.+)$/.exec(input);
  if (model?.[1]) return { id: model[1] };
  return { id: input };
}

const modelIdOfArn = (arn: string | undefined): string | undefined => /foundation-model\/(.+)$/.exec(arn ?? "")?.[1];
const regionOfArn = (arn: string | undefined): string => (arn ?? "").split(":")[3] ?? "";
export const providerOfModelId = (id: string): string => id.split(".")[0] ?? "";

export function profileTarget(p: InferenceProfileSummary): InvocationTarget | undefined {
  const arns = (p.models ?? []).map((m) => m.modelArn);
  const modelId = modelIdOfArn(arns[0]);
  if (modelId === undefined || p.inferenceProfileId === undefined || p.inferenceProfileArn === undefined)
    return undefined;
  const regions = arns.map(regionOfArn);
  const global = regions.some((r) => r === "") || p.inferenceProfileId.startsWith("global.");
  return {
    kind: "profile",
    modelId,
    profileId: p.inferenceProfileId,
    profileArn: p.inferenceProfileArn,
    destinations: global ? [] : [...new Set(regions)].sort(compareStrings),
    global,
  };
}

const describeProfile = (t: InvocationTarget) =>
  t.kind === "profile"
    ? { profileId: t.profileId, global: t.global, destinationRegions: t.destinations, modelId: t.modelId }
    : { modelId: t.modelId };

export async function checkRegion(input: {
  apis: AccountApis;
  accountId: string;
  region: string;
  model: string;
  /** Other Regions to look in when the model is not offered here. */
  otherRegions: string[];
  inventory: DoctorRepository;
}): Promise<RegionOutcome> {
  const { apis, region } = input;
  const wanted = parseModelInput(input.model);
  let models: FoundationModelSummary[];
  let profiles: InferenceProfileSummary[];
  try {
    [models, profiles] = await Promise.all([
      apis.bedrock(region).listFoundationModels(),
      apis.bedrock(region).listInferenceProfiles(),
    ]);
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    return fromInventory(input, wanted.id, err);
  }

  const profile = profiles.find((p) => p.inferenceProfileId === wanted.id || p.inferenceProfileArn === input.model);
  const asProfile = profile ? profileTarget(profile) : undefined;
  if (asProfile?.kind === "profile") {
    const summary = models.find((m) => m.modelId === asProfile.modelId);
    return {
      target: asProfile,
      provider: summary?.providerName ?? providerOfModelId(asProfile.modelId),
      offeredHere: summary !== undefined,
      result: {
        gate: "region",
        status: "pass",
        summary: `Inference profile ${asProfile.profileId} can be called from ${region}${
          asProfile.global ? " (global: any commercial Region)" : ` and routes to ${asProfile.destinations.join(", ")}`
        }.`,
        evidence: { source: "live", ...describeProfile(asProfile) },
        fix: null,
      },
    };
  }

  const summary = models.find((m) => m.modelId === wanted.id);
  const serving = profiles
    .map(profileTarget)
    .filter((t): t is InvocationTarget & { kind: "profile" } => t?.kind === "profile" && t.modelId === wanted.id)
    .sort((a, b) => Number(a.global) - Number(b.global) || compareStrings(a.profileId, b.profileId));
  const servingIds = serving.map((p) => p.profileId);
  const provider = summary?.providerName ?? providerOfModelId(wanted.id);

  if (summary !== undefined) {
    const types = summary.inferenceTypesSupported ?? [];
    if (types.includes("ON_DEMAND")) {
      return {
        target: { kind: "model", modelId: wanted.id },
        provider,
        offeredHere: true,
        result: {
          gate: "region",
          status: "pass",
          summary: `${wanted.id} is offered in ${region} for on-demand invocation.`,
          evidence: {
            source: "live",
            inferenceTypes: types,
            lifecycle: summary.modelLifecycle?.status ?? null,
            profilesFromHere: servingIds,
          },
          fix: null,
        },
      };
    }
    const first = serving[0];
    return {
      target: first ?? { kind: "model", modelId: wanted.id },
      provider,
      offeredHere: true,
      result: {
        gate: "region",
        status: "fail",
        summary: `${wanted.id} is offered in ${region} only through inference profiles, not by direct invocation.`,
        evidence: { source: "live", inferenceTypes: types, profilesFromHere: servingIds },
        fix:
          first !== undefined
            ? `Invoke the inference profile ${first.profileId} (or ${servingIds.join(", ")}) instead of the model id.`
            : `No inference profile serving it is visible from ${region}: call it from a Region that offers a profile.`,
      },
    };
  }

  // Not offered here: where is it, and can a profile carry calls from here?
  const elsewhere = await regionsOffering(input, wanted.id);
  const first = serving[0];
  const known = elsewhere.regions.length > 0 || first !== undefined;
  const fix =
    first !== undefined
      ? `Call it from ${region} through the inference profile ${first.profileId}${
          servingIds.length > 1 ? ` (or ${servingIds.slice(1).join(", ")})` : ""
        }, or call a Region that offers it directly${
          elsewhere.regions.length > 0 ? `: ${elsewhere.regions.join(", ")}` : ""
        }.`
      : elsewhere.regions.length > 0
        ? `Call it in a Region that offers it: ${elsewhere.regions.join(", ")}; no inference profile serves ${region}.`
        : `Check the model id: it is not offered in ${region} nor in the other Regions checked (${elsewhere.checked.join(", ") || "none"}).`;
  return {
    target: first ?? { kind: "model", modelId: wanted.id },
    provider,
    offeredHere: false,
    result: {
      gate: "region",
      status: "fail",
      summary: known
        ? `${wanted.id} is not offered in ${region}.`
        : `${wanted.id} is not a model or inference profile known in ${region} or the other Regions checked.`,
      evidence: {
        source: "live",
        offeredIn: elsewhere.regions,
        regionsChecked: elsewhere.checked,
        profilesServingRegion: serving.map(describeProfile),
        ...(elsewhere.inventory.length > 0 ? { offeredInInventory: elsewhere.inventory } : {}),
      },
      fix,
    },
  };
}

/** Live ListFoundationModels in the other Regions (an unreachable Region is skipped), plus the inventory. */
async function regionsOffering(
  input: { apis: AccountApis; region: string; otherRegions: string[]; inventory: DoctorRepository },
  modelId: string,
): Promise<{ regions: string[]; checked: string[]; inventory: string[] }> {
  const others = [...new Set(input.otherRegions)].filter((r) => r !== input.region).sort(compareStrings);
  const live = await Promise.all(
    others.map(async (r) => {
      try {
        const list = await input.apis.bedrock(r).listFoundationModels();
        return { region: r, checked: true, offered: list.some((m) => m.modelId === modelId) };
      } catch {
        return { region: r, checked: false, offered: false };
      }
    }),
  );
  const inventory = (await input.inventory.regionsOffering(modelId)).filter((r) => r !== input.region);
  return {
    regions: live.filter((l) => l.offered).map((l) => l.region),
    checked: live.filter((l) => l.checked).map((l) => l.region),
    inventory,
  };
}

async function fromInventory(
  input: { accountId: string; region: string; inventory: DoctorRepository },
  modelId: string,
  err: AwsGateError,
): Promise<RegionOutcome> {
  const rows = await input.inventory.modelRows(input.accountId, modelId);
  const here = rows.find((r) => r.region === input.region);
  const live = { liveError: { gate: err.gate, awsCode: err.awsCode ?? null, message: err.message } };
  const target: InvocationTarget = { kind: "model", modelId };
  if (here === undefined) {
    return {
      target,
      provider: providerOfModelId(modelId),
      offeredHere: false,
      result: {
        gate: "region",
        status: "unknown",
        summary: `Could not list models in ${input.region} (${err.gate}), and the inventory has no row for it there.`,
        evidence: { source: "none", ...live, inventoryRegions: rows.map((r) => r.region) },
        fix: err.retryable ? "Retry the diagnosis in a moment." : null,
      },
    };
  }
  const offered = here.regionAvailability !== "NOT_AVAILABLE";
  return {
    target,
    provider: here.provider,
    offeredHere: offered,
    result: {
      gate: "region",
      status: offered ? "pass" : "fail",
      summary: offered
        ? `The inventory lists ${modelId} in ${input.region} (live check failed: ${err.gate}).`
        : `The inventory shows ${modelId} as not available in ${input.region}.`,
      evidence: { source: "inventory", ...live, inferenceTypes: here.inferenceTypes },
      fix: offered
        ? null
        : `Call a Region that offers it: ${rows
            .filter((r) => r.regionAvailability !== "NOT_AVAILABLE")
            .map((r) => r.region)
            .join(", ")}.`,
    },
  };
}
