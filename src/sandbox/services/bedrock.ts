// Amazon Bedrock control plane (restJson1): the model catalog per Region, model availability and
// agreements, the Anthropic use-case form, inference profiles, logging and enforced guardrails.
import type { CallContext, RawRequest, ServiceModule } from "../context.js";
import { entitlementAvailability } from "../entitlements.js";
import { AwsError } from "../errors.js";
import { bearerGate, bedrockPolicyGate } from "../gates.js";
import { paginate } from "../pagination.js";
import { matchPath } from "../protocols/rest-json.js";
import type { Reply } from "../protocols/types.js";
import {
  accessOverride,
  agreementFor,
  foundationModelArn,
  inferenceProfileArn,
  type SandboxAccount,
  type SandboxModel,
  type SandboxProfile,
  useCaseSubmitted,
} from "../state.js";
import { handleBedrockRetention } from "./data-retention.js";

const ROUTES: [method: string, template: string, operation: string][] = [
  ["GET", "/foundation-models", "ListFoundationModels"],
  ["GET", "/foundation-models/{modelIdentifier}", "GetFoundationModel"],
  ["GET", "/foundation-model-availability/{modelId}", "GetFoundationModelAvailability"],
  ["GET", "/list-foundation-model-agreement-offers/{modelId}", "ListFoundationModelAgreementOffers"],
  ["POST", "/create-foundation-model-agreement", "CreateFoundationModelAgreement"],
  ["POST", "/delete-foundation-model-agreement", "DeleteFoundationModelAgreement"],
  ["GET", "/use-case-for-model-access", "GetUseCaseForModelAccess"],
  ["POST", "/use-case-for-model-access", "PutUseCaseForModelAccess"],
  ["GET", "/inference-profiles", "ListInferenceProfiles"],
  ["GET", "/inference-profiles/{inferenceProfileIdentifier}", "GetInferenceProfile"],
  ["GET", "/logging/modelinvocations", "GetModelInvocationLoggingConfiguration"],
  ["GET", "/enforcedGuardrailsConfiguration", "ListEnforcedGuardrailsConfiguration"],
  ["GET", "/data-retention", "GetAccountDataRetention"],
  ["PUT", "/data-retention", "PutAccountDataRetention"],
];

export function resolveRestOperation(
  routes: readonly [string, string, string][],
  req: RawRequest,
): { operation: string; labels: Record<string, string> } | undefined {
  for (const [method, template, operation] of routes) {
    if (method !== req.method) continue;
    const labels = matchPath(template, req.path);
    if (labels !== undefined) return { operation, labels };
  }
  return undefined;
}

/** A scenario-chosen error for one model's GetFoundationModelAvailability (so a caller can mark only it unknown). */
function availabilityError(code: string, modelId: string): AwsError {
  const status: Record<string, number> = {
    AccessDeniedException: 403,
    InternalServerException: 500,
    ServiceUnavailableException: 503,
    ThrottlingException: 429,
    ValidationException: 400,
  };
  const message: Record<string, string> = {
    AccessDeniedException: "You don't have access to the model with the specified model ID.",
    InternalServerException: "An internal server error occurred. Retry your request.",
    ServiceUnavailableException: "The service is unavailable. Try again later.",
    ThrottlingException: "Too many requests, please wait before trying again.",
    ValidationException: `The provided model identifier ${modelId} is invalid.`,
  };
  return new AwsError(code, message[code] ?? code, status[code] ?? 400);
}

export const validation = (message: string) => new AwsError("ValidationException", message, 400);
export const notFound = (message: string) => new AwsError("ResourceNotFoundException", message, 404);

/**
 * The calling account, for every Bedrock and Bedrock Runtime call: refuses Regions it has not enabled
 * (opt-in Regions reject the token), authorizes an API key (bedrock:CallWithBearerToken), then
 * applies the effective BEDROCK_POLICY check — gates 1–3 of docs/sandbox.md "Invoke-time gates".
 */
export function bedrockAccount(ctx: CallContext, surface: "control" | "invoke" = "control"): SandboxAccount {
  const account = ctx.state.accounts.get(ctx.caller.account);
  if (account === undefined || !account.regions.includes(ctx.region)) {
    throw new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 403);
  }
  bearerGate(ctx.state, ctx.caller, "bedrock", ctx.region);
  bedrockPolicyGate(ctx.state, account.id, surface);
  return account;
}

/** Accepts a model id or a foundation-model ARN. */
export function modelById(ctx: CallContext, idOrArn: string): SandboxModel | undefined {
  const id = idOrArn.startsWith("arn:")
    ? idOrArn.slice(idOrArn.indexOf("foundation-model/") + "foundation-model/".length)
    : idOrArn;
  return ctx.state.models.get(id);
}

const iso = (s: string | undefined) => (s === undefined ? undefined : new Date(s).toISOString());

function modelSummary(m: SandboxModel, region: string) {
  return {
    modelArn: foundationModelArn(region, m.id),
    modelId: m.id,
    modelName: m.name,
    providerName: m.provider,
    inputModalities: m.inputModalities,
    outputModalities: m.outputModalities,
    responseStreamingSupported: m.streaming,
    customizationsSupported: m.customizations,
    inferenceTypesSupported: m.inferenceTypes,
    modelLifecycle: {
      status: m.lifecycle.status,
      startOfLifeTime: iso(m.lifecycle.startOfLifeTime),
      endOfLifeTime: iso(m.lifecycle.endOfLifeTime),
      legacyTime: iso(m.lifecycle.legacyTime),
      publicExtendedAccessTime: iso(m.lifecycle.publicExtendedAccessTime),
    },
  };
}

export function profileShape(p: SandboxProfile, region: string, account: string) {
  const models = p.global
    ? [{ modelArn: `arn:aws:bedrock:::foundation-model/${p.modelId}` }]
    : p.destinationRegions.map((r) => ({ modelArn: foundationModelArn(r, p.modelId) }));
  return {
    inferenceProfileName: p.name,
    description: p.description,
    createdAt: "2024-08-27T00:00:00.000Z",
    updatedAt: "2025-10-01T00:00:00.000Z",
    inferenceProfileArn: inferenceProfileArn(region, account, p.id),
    models,
    inferenceProfileId: p.id,
    status: "ACTIVE",
    type: "SYSTEM_DEFINED",
  };
}

function jsonBody(ctx: CallContext): Record<string, unknown> {
  if (ctx.body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(ctx.body.toString("utf8"));
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError("SerializationException", "The request body is not valid JSON.", 400);
}

function regionalModel(ctx: CallContext, modelId: string): SandboxModel {
  const m = modelById(ctx, modelId);
  if (m === undefined || !m.regions.has(ctx.region))
    throw notFound(`The model ${modelId} does not exist in ${ctx.region}.`);
  return m;
}

function handle(ctx: CallContext, labels: Record<string, string>): Reply {
  const { state } = ctx;
  const account = bedrockAccount(ctx);
  const nowMs = ctx.now().getTime();
  switch (ctx.operation) {
    case "ListFoundationModels": {
      const q = ctx.query;
      const byProvider = q.get("byProvider")?.toLowerCase();
      const byOutput = q.get("byOutputModality");
      const byInference = q.get("byInferenceType");
      const byCustomization = q.get("byCustomizationType");
      const models = [...state.models.values()].filter(
        (m) =>
          m.regions.has(ctx.region) &&
          (byProvider === undefined || m.provider.toLowerCase() === byProvider) &&
          (byOutput === null || m.outputModalities.includes(byOutput)) &&
          (byInference === null || m.inferenceTypes.includes(byInference)) &&
          (byCustomization === null || m.customizations.includes(byCustomization)),
      );
      return { body: { modelSummaries: models.map((m) => modelSummary(m, ctx.region)) } };
    }
    case "GetFoundationModel": {
      const m = regionalModel(ctx, labels.modelIdentifier as string);
      return { body: { modelDetails: modelSummary(m, ctx.region) } };
    }
    case "GetFoundationModelAvailability": {
      const modelId = labels.modelId as string;
      const m = modelById(ctx, modelId);
      if (m === undefined) throw notFound(`The model ${modelId} does not exist.`);
      if (!m.regions.has(ctx.region)) {
        return {
          body: {
            modelId: m.id,
            agreementAvailability: { status: "NOT_AVAILABLE" },
            authorizationStatus: "NOT_AUTHORIZED",
            entitlementAvailability: "NOT_AVAILABLE",
            regionAvailability: "NOT_AVAILABLE",
          },
        };
      }
      const o = accessOverride(account, ctx.region, m.id);
      if (o?.availabilityError !== undefined) throw availabilityError(o.availabilityError, m.id);
      const agreement = m.marketplace ? agreementFor(state, account, ctx.region, m, nowMs) : { status: "AVAILABLE" };
      const anthropicBlocked = m.provider.toLowerCase() === "anthropic" && !useCaseSubmitted(state, account);
      return {
        body: {
          modelId: m.id,
          agreementAvailability: agreement,
          authorizationStatus: o?.authorization ?? (anthropicBlocked ? "NOT_AUTHORIZED" : "AUTHORIZED"),
          entitlementAvailability: o?.entitlement ?? entitlementAvailability(state, account, m),
          regionAvailability: o?.regionAvailability ?? "AVAILABLE",
        },
      };
    }
    case "ListFoundationModelAgreementOffers": {
      const m = regionalModel(ctx, labels.modelId as string);
      const offerType = ctx.query.get("offerType");
      if (offerType !== null && offerType !== "ALL" && offerType !== "PUBLIC")
        throw validation(
          `Value '${offerType}' at 'offerType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, PUBLIC]`,
        );
      return {
        body: {
          modelId: m.id,
          offers: m.offers.map((o) => ({
            offerId: o.offerId,
            offerToken: o.offerToken,
            termDetails: {
              usageBasedPricingTerm: {
                rateCard: [
                  {
                    dimension: "input_tokens",
                    price: o.price,
                    description: "Price per 1,000 input tokens",
                    unit: "Units",
                  },
                ],
              },
              legalTerm: { url: o.legalUrl },
              supportTerm: { refundPolicyDescription: "No refunds." },
              validityTerm: { agreementDuration: "P1Y" },
            },
          })),
        },
      };
    }
    case "CreateFoundationModelAgreement": {
      const input = jsonBody(ctx);
      const modelId = String(input.modelId ?? "");
      const offerToken = String(input.offerToken ?? "");
      const m = regionalModel(ctx, modelId);
      if (!m.offers.some((o) => o.offerToken === offerToken)) throw validation("The provided offer token is invalid.");
      const key = `${account.id}|${ctx.region}|${m.id}`;
      state.agreements.set(
        key,
        m.agreementDelaySeconds > 0
          ? { status: "PENDING", availableAt: nowMs + m.agreementDelaySeconds * 1000 }
          : { status: "AVAILABLE" },
      );
      return { status: 202, body: { modelId: m.id } };
    }
    case "DeleteFoundationModelAgreement": {
      const input = jsonBody(ctx);
      const m = regionalModel(ctx, String(input.modelId ?? ""));
      state.agreements.set(`${account.id}|${ctx.region}|${m.id}`, { status: "NOT_AVAILABLE" });
      return { status: 202, body: {} };
    }
    case "GetUseCaseForModelAccess": {
      // "once per account, or once in the organization's management account" [doc "Request access to
      // models"]; [?] what a member then reads is undocumented: scenario useCaseMemberAnswer.
      const mgmt = state.accounts.get(state.organization.managementAccountId);
      const inherited = state.switches.useCaseMemberAnswer === "inherited" ? mgmt?.useCaseFormData : undefined;
      const formData = account.useCaseFormData ?? inherited;
      // [3p] the message a standalone account reads before it files the form.
      if (formData === undefined) throw notFound("You have not filled out the request form.");
      return { body: { formData } };
    }
    case "PutUseCaseForModelAccess": {
      const input = jsonBody(ctx);
      const formData = input.formData;
      if (typeof formData !== "string" || formData === "") throw validation("formData is required.");
      try {
        JSON.parse(Buffer.from(formData, "base64").toString("utf8"));
      } catch {
        throw validation("formData must be the base64 encoding of a JSON document.");
      }
      account.useCaseFormData = formData;
      return { status: 201, body: {} };
    }
    case "ListInferenceProfiles": {
      const type = ctx.query.get("type");
      const maxRaw = ctx.query.get("maxResults");
      const max = maxRaw === null ? 1000 : Number(maxRaw);
      if (!Number.isInteger(max) || max < 1 || max > 1000)
        throw validation(
          `Value '${maxRaw}' at 'maxResults' failed to satisfy constraint: Member must be between 1 and 1000`,
        );
      const list = [...state.profiles.values()].filter(
        (p) => p.sourceRegions.has(ctx.region) && (type === null || type === "SYSTEM_DEFINED"),
      );
      const { page, nextToken } = paginate(list, {
        scope: `profiles:${ctx.region}:${type ?? ""}`,
        token: ctx.query.get("nextToken") ?? undefined,
        pageSize: max,
        invalid: () => validation("The provided pagination token is invalid."),
      });
      return {
        body: { inferenceProfileSummaries: page.map((p) => profileShape(p, ctx.region, account.id)), nextToken },
      };
    }
    case "GetInferenceProfile": {
      const id = labels.inferenceProfileIdentifier as string;
      const p = state.profiles.get(
        id.includes("inference-profile/") ? (id.split("inference-profile/")[1] as string) : id,
      );
      if (p === undefined || !p.sourceRegions.has(ctx.region)) throw notFound(`Inference profile ${id} not found.`);
      return { body: profileShape(p, ctx.region, account.id) };
    }
    case "GetModelInvocationLoggingConfiguration": {
      const c = account.invocationLogging.get(ctx.region);
      if (c === undefined || c === null) return { body: {} };
      const loggingConfig: Record<string, unknown> = {
        textDataDeliveryEnabled: c.textDataDeliveryEnabled ?? true,
        imageDataDeliveryEnabled: c.imageDataDeliveryEnabled ?? true,
        embeddingDataDeliveryEnabled: c.embeddingDataDeliveryEnabled ?? true,
        // LoggingConfig also carries the video and audio switches [doc API_GetModelInvocationLoggingConfiguration,
        // "Response Syntax"]; the scenario does not set them: off.
        videoDataDeliveryEnabled: false,
        audioDataDeliveryEnabled: false,
      };
      if (c.cloudWatchLogGroup !== undefined)
        loggingConfig.cloudWatchConfig = {
          logGroupName: c.cloudWatchLogGroup,
          roleArn: c.cloudWatchRoleArn ?? `arn:aws:iam::${account.id}:role/BedrockInvocationLogging`,
        };
      if (c.s3Bucket !== undefined) loggingConfig.s3Config = { bucketName: c.s3Bucket, keyPrefix: c.s3KeyPrefix };
      return { body: { loggingConfig } };
    }
    case "ListEnforcedGuardrailsConfiguration": {
      const list = [
        ...(account.enforcedGuardrails.get("*") ?? []),
        ...(account.enforcedGuardrails.get(ctx.region) ?? []),
      ];
      return {
        body: {
          guardrailsConfig: list.map((g, i) => ({
            configId: `cfg-${g.guardrailId}-${i + 1}`,
            guardrailArn: `arn:aws:bedrock:${ctx.region}:${account.id}:guardrail/${g.guardrailId}`,
            guardrailId: g.guardrailId,
            guardrailVersion: g.guardrailVersion ?? "1",
            inputTags: "HONOR",
            selectiveContentGuarding: { system: "COMPREHENSIVE", messages: "COMPREHENSIVE" },
            owner: "ACCOUNT",
            createdAt: "2026-01-15T00:00:00.000Z",
            createdBy: `arn:aws:iam::${account.id}:role/SecurityAdmin`,
            updatedAt: "2026-01-15T00:00:00.000Z",
            updatedBy: `arn:aws:iam::${account.id}:role/SecurityAdmin`,
            modelEnforcement: { includedModels: g.includedModels ?? [], excludedModels: g.excludedModels ?? [] },
          })),
        },
      };
    }
    case "GetAccountDataRetention":
    case "PutAccountDataRetention":
      return handleBedrockRetention(ctx, jsonBody(ctx));
    default:
      throw new AwsError("UnknownOperationException", `The sandbox does not implement Bedrock ${ctx.operation}.`, 404);
  }
}

export function createBedrockService(): ServiceModule {
  return {
    name: "bedrock",
    protocol: "rest-json",
    resolveOperation: (req) => resolveRestOperation(ROUTES, req)?.operation,
    handle: (ctx) => handle(ctx, resolveRestOperation(ROUTES, ctx)?.labels ?? {}),
  };
}
