import {
  type BedrockClient,
  CreateFoundationModelAgreementCommand,
  type DataRetentionMode,
  DeleteFoundationModelAgreementCommand,
  type FoundationModelSummary,
  GetAccountDataRetentionCommand,
  GetFoundationModelAvailabilityCommand,
  type GetFoundationModelAvailabilityResponse,
  GetModelInvocationLoggingConfigurationCommand,
  GetUseCaseForModelAccessCommand,
  type InferenceProfileSummary,
  type InferenceProfileType,
  ListFoundationModelAgreementOffersCommand,
  ListFoundationModelsCommand,
  type ListFoundationModelsRequest,
  type LoggingConfig,
  type Offer,
  type OfferType,
  PutAccountDataRetentionCommand,
  PutUseCaseForModelAccessCommand,
  paginateListEnforcedGuardrailsConfiguration,
  paginateListInferenceProfiles,
} from "@aws-sdk/client-bedrock";
import { call, collect } from "./call.js";

export type {
  FoundationModelSummary,
  GetFoundationModelAvailabilityResponse,
  InferenceProfileSummary,
  LoggingConfig,
  Offer,
};

export function bedrockApi(client: BedrockClient, account: string, region: string) {
  const ctx = (operation: string) => ({ service: "bedrock", operation, account, region });
  const pg = { client };
  return {
    listFoundationModels: (filter: ListFoundationModelsRequest = {}) =>
      call(
        ctx("ListFoundationModels"),
        async () => (await client.send(new ListFoundationModelsCommand(filter))).modelSummaries ?? [],
      ),
    getFoundationModelAvailability: (modelId: string) =>
      call(ctx("GetFoundationModelAvailability"), () =>
        client.send(new GetFoundationModelAvailabilityCommand({ modelId })),
      ),
    listFoundationModelAgreementOffers: (modelId: string, offerType?: OfferType) =>
      call(
        ctx("ListFoundationModelAgreementOffers"),
        async () =>
          (
            await client.send(
              new ListFoundationModelAgreementOffersCommand({ modelId, ...(offerType ? { offerType } : {}) }),
            )
          ).offers ?? [],
      ),
    createFoundationModelAgreement: (modelId: string, offerToken: string) =>
      call(
        ctx("CreateFoundationModelAgreement"),
        async () => (await client.send(new CreateFoundationModelAgreementCommand({ modelId, offerToken }))).modelId,
      ),
    deleteFoundationModelAgreement: (modelId: string) =>
      call(
        ctx("DeleteFoundationModelAgreement"),
        async () => void (await client.send(new DeleteFoundationModelAgreementCommand({ modelId }))),
      ),
    /** The Anthropic use-case form as submitted (decoded JSON), or undefined when none is on file. */
    getUseCaseForModelAccess: async (): Promise<Record<string, unknown> | undefined> => {
      try {
        const out = await call(ctx("GetUseCaseForModelAccess"), () =>
          client.send(new GetUseCaseForModelAccessCommand({})),
        );
        if (!out.formData || out.formData.length === 0) return undefined;
        const text = Buffer.from(out.formData).toString("utf8");
        // The wire value is base64 of JSON; the SDK decodes the blob once.
        const json = text.trim().startsWith("{") ? text : Buffer.from(text, "base64").toString("utf8");
        return JSON.parse(json) as Record<string, unknown>;
      } catch (err) {
        if ((err as { gate?: string }).gate === "not_found") return undefined;
        throw err;
      }
    },
    putUseCaseForModelAccess: (form: Record<string, unknown>) =>
      call(
        ctx("PutUseCaseForModelAccess"),
        async () =>
          void (await client.send(
            new PutUseCaseForModelAccessCommand({ formData: Buffer.from(JSON.stringify(form), "utf8") }),
          )),
      ),
    /** The account's data-retention mode in this Region (`default`, `none`, `provider_data_share`, …). */
    getAccountDataRetention: () =>
      call(
        ctx("GetAccountDataRetention"),
        async () => (await client.send(new GetAccountDataRetentionCommand({}))).mode as string | undefined,
      ),
    /** Sets the account's data-retention mode in this Region [doc API_PutAccountDataRetention]; returns the mode now in force. */
    putAccountDataRetention: (mode: string) =>
      call(
        ctx("PutAccountDataRetention"),
        async () =>
          (await client.send(new PutAccountDataRetentionCommand({ mode: mode as DataRetentionMode }))).mode as
            | string
            | undefined,
      ),
    listInferenceProfiles: (type?: InferenceProfileType) =>
      collect(
        ctx("ListInferenceProfiles"),
        paginateListInferenceProfiles(pg, type ? { typeEquals: type } : {}),
        (p) => p.inferenceProfileSummaries,
      ),
    getModelInvocationLoggingConfiguration: () =>
      call(
        ctx("GetModelInvocationLoggingConfiguration"),
        async () => (await client.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig,
      ),
    listEnforcedGuardrailsConfiguration: () =>
      collect(
        ctx("ListEnforcedGuardrailsConfiguration"),
        paginateListEnforcedGuardrailsConfiguration(pg, {}),
        (p) => p.guardrailsConfig,
      ),
  };
}

export type BedrockApi = ReturnType<typeof bedrockApi>;
