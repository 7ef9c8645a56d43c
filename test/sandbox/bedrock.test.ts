import {
  CreateFoundationModelAgreementCommand,
  DeleteFoundationModelAgreementCommand,
  GetFoundationModelAvailabilityCommand,
  GetModelInvocationLoggingConfigurationCommand,
  GetUseCaseForModelAccessCommand,
  ListEnforcedGuardrailsConfigurationCommand,
  ListFoundationModelAgreementOffersCommand,
  ListFoundationModelsCommand,
  ListInferenceProfilesCommand,
  PutUseCaseForModelAccessCommand,
  paginateListInferenceProfiles,
  ResourceNotFoundException,
  ValidationException,
} from "@aws-sdk/client-bedrock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeMember, clients, DEV, errorOf, PROD, smallScenario } from "./helpers.js";

let sandbox: Sandbox;
let now = new Date("2026-11-20T12:00:00Z");
beforeAll(async () => {
  const scenario = smallScenario();
  scenario.models = [
    {
      id: "amazon.nova-pro-v1:0",
      provider: "Amazon",
      inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
      regions: ["us-east-1", "us-west-2"],
    },
    {
      id: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      provider: "Anthropic",
      inferenceTypes: ["INFERENCE_PROFILE"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2025-09-29" },
    },
    { id: "cohere.command-r-plus-v1:0", provider: "Cohere", agreementDelaySeconds: 60, regions: ["us-east-1"] },
    {
      id: "anthropic.claude-3-5-sonnet-20240620-v1:0",
      provider: "Anthropic",
      lifecycle: { status: "LEGACY", legacyTime: "2025-08-25T00:00:00Z", endOfLifeTime: "2027-03-01T00:00:00Z" },
    },
    { id: "amazon.titan-embed-text-v2:0", provider: "Amazon", outputModalities: ["EMBEDDING"] },
  ];
  scenario.inferenceProfiles = [
    { id: "us.amazon.nova-pro-v1:0", model: "amazon.nova-pro-v1:0", sourceRegions: ["us-east-1", "us-west-2"] },
    {
      id: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      sourceRegions: ["us-east-1", "us-west-2"],
    },
    { id: "eu.amazon.nova-pro-v1:0", model: "amazon.nova-pro-v1:0", sourceRegions: ["eu-west-1"] },
  ];
  const prod = scenario.accounts.find((a) => a.id === PROD);
  if (prod) {
    prod.invocationLogging = { "us-east-1": { cloudWatchLogGroup: "/aws/bedrock", s3Bucket: "logs-prod" } };
    prod.enforcedGuardrails = { "*": [{ guardrailId: "gr-1", includedModels: ["anthropic.*"] }] };
    prod.modelAccess = [{ model: "cohere.command-r-plus-v1:0", agreement: "PENDING" }];
  }
  sandbox = await startSandbox({ scenario, clock: { now: () => now } });
});
afterAll(async () => sandbox.close());

describe("Bedrock control plane", () => {
  it("lists the Region's models with filters and lifecycle", async () => {
    const { bedrock } = clients(sandbox);
    const all = await bedrock.send(new ListFoundationModelsCommand({}));
    expect(all.modelSummaries?.map((m) => m.modelId)).toHaveLength(5);
    const legacy = all.modelSummaries?.find((m) => m.modelLifecycle?.status === "LEGACY");
    expect(legacy?.modelLifecycle?.legacyTime).toEqual(new Date("2025-08-25T00:00:00Z"));
    expect(legacy?.modelArn).toBe(
      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
    );
    const profileOnly = all.modelSummaries?.find((m) => m.modelId?.startsWith("anthropic.claude-sonnet-4-5"));
    expect(profileOnly?.inferenceTypesSupported).toEqual(["INFERENCE_PROFILE"]);
    const anthropic = await bedrock.send(new ListFoundationModelsCommand({ byProvider: "anthropic" }));
    expect(anthropic.modelSummaries).toHaveLength(2);
    const embeddings = await bedrock.send(new ListFoundationModelsCommand({ byOutputModality: "EMBEDDING" }));
    expect(embeddings.modelSummaries?.map((m) => m.modelId)).toEqual(["amazon.titan-embed-text-v2:0"]);
    const west = await clients(sandbox, sandbox.baseCredentials, "us-west-2").bedrock.send(
      new ListFoundationModelsCommand({}),
    );
    expect(west.modelSummaries?.map((m) => m.modelId)).not.toContain("cohere.command-r-plus-v1:0");
  });

  it("reports model availability, with URL-encoded ids and per-account overrides", async () => {
    const prod = clients(sandbox, await assumeMember(sandbox, PROD)).bedrock;
    const nova = await prod.send(new GetFoundationModelAvailabilityCommand({ modelId: "amazon.nova-pro-v1:0" }));
    expect(nova).toMatchObject({
      modelId: "amazon.nova-pro-v1:0",
      agreementAvailability: { status: "AVAILABLE" },
      authorizationStatus: "AUTHORIZED",
      entitlementAvailability: "AVAILABLE",
      regionAvailability: "AVAILABLE",
    });
    const cohere = await prod.send(
      new GetFoundationModelAvailabilityCommand({ modelId: "cohere.command-r-plus-v1:0" }),
    );
    expect(cohere.agreementAvailability?.status).toBe("PENDING");
    const unknown = await errorOf(() =>
      prod.send(new GetFoundationModelAvailabilityCommand({ modelId: "acme.nothing-v1:0" })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(unknown.$metadata?.httpStatusCode).toBe(404);
    const westCohere = await clients(sandbox, await assumeMember(sandbox, PROD), "us-west-2").bedrock.send(
      new GetFoundationModelAvailabilityCommand({ modelId: "cohere.command-r-plus-v1:0" }),
    );
    expect(westCohere.regionAvailability).toBe("NOT_AVAILABLE");
  });

  it("creates agreements that stay PENDING for the model's delay, and deletes them", async () => {
    const dev = clients(sandbox, await assumeMember(sandbox, DEV)).bedrock;
    const offers = await dev.send(
      new ListFoundationModelAgreementOffersCommand({ modelId: "cohere.command-r-plus-v1:0" }),
    );
    const offer = offers.offers?.[0];
    expect(offer?.termDetails?.legalTerm?.url).toMatch(/^https:/);
    const bad = await errorOf(() =>
      dev.send(
        new CreateFoundationModelAgreementCommand({ modelId: "cohere.command-r-plus-v1:0", offerToken: "nope" }),
      ),
    );
    expect(bad).toBeInstanceOf(ValidationException);
    const created = await dev.send(
      new CreateFoundationModelAgreementCommand({
        modelId: "cohere.command-r-plus-v1:0",
        offerToken: offer?.offerToken as string,
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(202);
    const status = async () =>
      (await dev.send(new GetFoundationModelAvailabilityCommand({ modelId: "cohere.command-r-plus-v1:0" })))
        .agreementAvailability?.status;
    expect(await status()).toBe("PENDING");
    now = new Date(now.getTime() + 61_000);
    expect(await status()).toBe("AVAILABLE");
    const deleted = await dev.send(
      new DeleteFoundationModelAgreementCommand({ modelId: "cohere.command-r-plus-v1:0" }),
    );
    expect(deleted.$metadata.httpStatusCode).toBe(202);
    expect(await status()).toBe("NOT_AVAILABLE");
    const elsewhere = await errorOf(() =>
      clients(sandbox, sandbox.baseCredentials, "us-west-2").bedrock.send(
        new ListFoundationModelAgreementOffersCommand({ modelId: "cohere.command-r-plus-v1:0" }),
      ),
    );
    expect(elsewhere).toBeInstanceOf(ResourceNotFoundException);
  });

  it("stores the Anthropic use case; members inherit the management account's", async () => {
    const dev = clients(sandbox, await assumeMember(sandbox, DEV)).bedrock;
    const inherited = await dev.send(new GetUseCaseForModelAccessCommand({}));
    expect(JSON.parse(Buffer.from(inherited.formData as Uint8Array).toString("utf8"))).toMatchObject({
      companyName: "management",
    });
    const form = Buffer.from(JSON.stringify({ companyName: "dev team", intendedUsers: "1" }));
    const put = await dev.send(new PutUseCaseForModelAccessCommand({ formData: form }));
    expect(put.$metadata.httpStatusCode).toBe(201);
    const own = await dev.send(new GetUseCaseForModelAccessCommand({}));
    expect(Buffer.from(own.formData as Uint8Array).toString("utf8")).toBe(form.toString("utf8"));
    const bad = await errorOf(() =>
      dev.send(new PutUseCaseForModelAccessCommand({ formData: Buffer.from("not json") })),
    );
    expect(bad).toBeInstanceOf(ValidationException);
  });

  it("pages inference profiles; global profiles list the Region-less model ARN", async () => {
    const { bedrock } = clients(sandbox);
    const pages = [];
    for await (const page of paginateListInferenceProfiles({ client: bedrock, pageSize: 1 }, {})) pages.push(page);
    expect(pages).toHaveLength(2);
    const profiles = pages.flatMap((p) => p.inferenceProfileSummaries ?? []);
    expect(profiles.map((p) => p.inferenceProfileId)).toEqual([
      "us.amazon.nova-pro-v1:0",
      "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]);
    expect(profiles[0]?.models?.map((m) => m.modelArn)).toEqual([
      "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
      "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0",
    ]);
    expect(profiles[1]?.models).toEqual([
      { modelArn: "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0" },
    ]);
    expect(profiles[0]?.inferenceProfileArn).toBe(
      `arn:aws:bedrock:us-east-1:${sandbox.managementAccountId}:inference-profile/us.amazon.nova-pro-v1:0`,
    );
    const app = await bedrock.send(new ListInferenceProfilesCommand({ typeEquals: "APPLICATION" }));
    expect(app.inferenceProfileSummaries).toEqual([]);
    const badToken = await errorOf(() => bedrock.send(new ListInferenceProfilesCommand({ nextToken: "garbage" })));
    expect(badToken).toBeInstanceOf(ValidationException);
  });

  it("reports invocation logging and enforced guardrails per account and Region", async () => {
    const prod = clients(sandbox, await assumeMember(sandbox, PROD)).bedrock;
    const on = await prod.send(new GetModelInvocationLoggingConfigurationCommand({}));
    expect(on.loggingConfig?.cloudWatchConfig?.logGroupName).toBe("/aws/bedrock");
    expect(on.loggingConfig?.s3Config?.bucketName).toBe("logs-prod");
    const dev = clients(sandbox, await assumeMember(sandbox, DEV)).bedrock;
    expect((await dev.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig).toBeUndefined();
    const guardrails = await prod.send(new ListEnforcedGuardrailsConfigurationCommand({}));
    expect(guardrails.guardrailsConfig?.[0]).toMatchObject({
      guardrailId: "gr-1",
      modelEnforcement: { includedModels: ["anthropic.*"], excludedModels: [] },
    });
  });
});
