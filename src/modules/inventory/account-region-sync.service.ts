// Reads one account-Region from AWS: models offered with their access evidence, inference
// profiles, invocation logging, enforced guardrails, the facts the reachability gates need (and,
// once per account, the Anthropic use case and the account-level facts).
import type { GetFoundationModelAvailabilityResponse } from "../../aws/api/bedrock.js";
import type { AwsAccess } from "../../aws/aws-access.js";
import type { AwsGateError } from "../../aws/errors.js";
import type { FactsReader } from "./facts-reader.service.js";
import type { AccountRegionSnapshot, InferenceProfileRow, ModelAccessRow } from "./inventory.types.js";

/** GetFoundationModelAvailability calls in flight per account-Region: enough to fill its quota. */
const MODEL_CALLS_IN_FLIGHT = 4;

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

/** Base model id of a model ARN (`arn:aws:bedrock:<region>::foundation-model/<id>`). */
export function modelIdFromArn(arn: string): string {
  const i = arn.indexOf("foundation-model/");
  return i >= 0 ? arn.slice(i + "foundation-model/".length) : arn;
}

function regionOfArn(arn: string): string | null {
  const region = arn.split(":")[3];
  return region ? region : null;
}

/**
 * A per-model availability failure that concerns the model only (AccessDenied, validation): not
 * found is "no evidence", throttling and outages are retried by the job as any transient failure,
 * and credential trouble is the account's.
 */
function modelOnly(err: unknown): err is AwsGateError {
  const e = err as { gate?: string; retryable?: boolean };
  // A transient failure (throttling, 5xx after the client's retries) fails the job, which the
  // queue retries: recording it would leave a good model unknown until the next sync.
  return e.gate !== undefined && e.gate !== "not_found" && e.gate !== "credentials" && e.retryable !== true;
}

export function createAccountRegionReader(deps: { aws: AwsAccess; facts: FactsReader }) {
  return {
    /**
     * `availabilityOf`: read GetFoundationModelAvailability (and offers) only for these models —
     * the others keep null evidence (the doctor asks about one model, not the whole Region).
     */
    async read(
      accountId: string,
      region: string,
      opts: { accountLevel: boolean; availabilityOf?: ReadonlySet<string> },
    ): Promise<AccountRegionSnapshot> {
      const apis = deps.aws.account(accountId);
      const bedrock = apis.bedrock(region);
      const summaries = await bedrock.listFoundationModels();
      const readModel = async (m: (typeof summaries)[number]): Promise<ModelAccessRow> => {
        const modelId = m.modelId as string;
        let availability: GetFoundationModelAvailabilityResponse | undefined;
        let availabilityError: string | null = null;
        try {
          if (opts.availabilityOf === undefined || opts.availabilityOf.has(modelId))
            availability = await bedrock.getFoundationModelAvailability(modelId);
        } catch (err) {
          // Another model's answer stays good: only this model's evidence is unknown.
          if (modelOnly(err)) availabilityError = err.message.slice(0, 1024);
          else if ((err as { gate?: string }).gate !== "not_found") throw err;
        }
        const agreement = availability?.agreementAvailability?.status ?? null;
        // Offers matter only where an agreement is still needed.
        const offerCount =
          agreement === "NOT_AVAILABLE" ? (await bedrock.listFoundationModelAgreementOffers(modelId)).length : null;
        return {
          modelId,
          modelName: m.modelName ?? null,
          provider: m.providerName ?? modelId.split(".")[0] ?? "unknown",
          lifecycleStatus: m.modelLifecycle?.status ?? null,
          legacyTime: iso(m.modelLifecycle?.legacyTime),
          publicExtendedAccessTime: iso(m.modelLifecycle?.publicExtendedAccessTime),
          endOfLifeTime: iso(m.modelLifecycle?.endOfLifeTime),
          inferenceTypes: [...(m.inferenceTypesSupported ?? [])].sort(),
          inputModalities: [...(m.inputModalities ?? [])].sort(),
          outputModalities: [...(m.outputModalities ?? [])].sort(),
          agreementStatus: agreement,
          agreementError: availability?.agreementAvailability?.errorMessage ?? null,
          authorizationStatus: availability?.authorizationStatus ?? null,
          entitlementAvailability: availability?.entitlementAvailability ?? null,
          regionAvailability: availability?.regionAvailability ?? null,
          offerCount,
          availabilityError,
        };
      };
      // A few calls in flight per account-Region are enough to fill its quota; queuing all of them
      // at once would hold hundreds of pending SDK requests per job in memory. Lanes take the next
      // model as they free up; after a failure (the job fails) they take no more.
      const models: ModelAccessRow[] = new Array(summaries.length);
      let next = 0;
      let failed = false;
      const lane = async () => {
        while (!failed && next < summaries.length) {
          const i = next++;
          try {
            models[i] = await readModel(summaries[i] as (typeof summaries)[number]);
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(MODEL_CALLS_IN_FLIGHT, summaries.length) }, lane));
      const listed = summaries.map((m) => ({
        modelId: m.modelId as string,
        provider: m.providerName ?? (m.modelId as string).split(".")[0] ?? "",
      }));
      const [profiles, logging, guardrails, useCase, regionFacts, accountFacts] = await Promise.all([
        bedrock.listInferenceProfiles("SYSTEM_DEFINED"),
        bedrock.getModelInvocationLoggingConfiguration(),
        bedrock.listEnforcedGuardrailsConfiguration(),
        opts.accountLevel ? bedrock.getUseCaseForModelAccess() : Promise.resolve(undefined),
        deps.facts.readRegion(apis, region),
        opts.accountLevel ? deps.facts.readAccount(apis, listed) : Promise.resolve([]),
      ]);
      const profileRows = profiles.map((p): InferenceProfileRow => {
        const arns = (p.models ?? []).map((x) => x.modelArn ?? "").filter(Boolean);
        const destinations = [...new Set(arns.map(regionOfArn).filter((r): r is string => r !== null))].sort();
        return {
          profileId: p.inferenceProfileId as string,
          arn: p.inferenceProfileArn as string,
          name: p.inferenceProfileName ?? null,
          type: (p.type as string | undefined) ?? "SYSTEM_DEFINED",
          status: (p.status as string | undefined) ?? null,
          isGlobal: (p.inferenceProfileId ?? "").startsWith("global.") || arns.some((a) => regionOfArn(a) === null),
          modelIds: [...new Set(arns.map(modelIdFromArn))].sort(),
          destinationRegions: destinations,
        };
      });
      models.sort((a, b) => a.modelId.localeCompare(b.modelId));
      profileRows.sort((a, b) => a.profileId.localeCompare(b.profileId));
      return {
        models,
        profiles: profileRows,
        settings: {
          loggingEnabled: logging !== undefined,
          loggingConfig: (logging as Record<string, unknown> | undefined) ?? null,
          guardrails: guardrails as unknown as Record<string, unknown>[],
        },
        ...(opts.accountLevel ? { useCaseSubmitted: useCase !== undefined } : {}),
        facts: [...regionFacts, ...accountFacts],
      };
    },
  };
}

export type AccountRegionReader = ReturnType<typeof createAccountRegionReader>;
