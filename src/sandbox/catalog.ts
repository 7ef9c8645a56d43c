// The built-in model catalog: used when a scenario lists no models, and by the demo. Ids, names and
// lifecycle follow what Bedrock lists in late 2026; Regions are filled in by the caller.
import { createHash } from "node:crypto";
import { documentedProductId } from "../kernel/aws-marketplace.js";
import type { ScenarioModel, ScenarioProfile } from "./scenario-schema.js";

/** Providers whose models are sold through AWS Marketplace (need an agreement). */
const MARKETPLACE_PROVIDERS = new Set([
  "anthropic",
  "cohere",
  "ai21 labs",
  "ai21",
  "stability ai",
  "writer",
  "luma ai",
]);

export function isMarketplaceProvider(provider: string): boolean {
  return MARKETPLACE_PROVIDERS.has(provider.toLowerCase());
}

/** The product id of a Marketplace model: AWS's, or (models AWS's table does not list) a synthetic one. */
export function productIdFor(modelId: string): string {
  const known = documentedProductId(modelId);
  if (known !== undefined) return known;
  const h = createHash("sha256")
    .update(modelId)
    .digest("base64")
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase();
  return `prod-${h.slice(0, 13)}`;
}

export function builtinModels(): ScenarioModel[] {
  const text = { inputModalities: ["TEXT"], outputModalities: ["TEXT"] };
  const vision = { inputModalities: ["TEXT", "IMAGE"], outputModalities: ["TEXT"] };
  return [
    {
      id: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      name: "Claude Sonnet 4.5",
      provider: "Anthropic",
      ...vision,
      inferenceTypes: ["INFERENCE_PROFILE"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2025-09-29T00:00:00Z" },
    },
    {
      id: "anthropic.claude-haiku-4-5-20251001-v1:0",
      name: "Claude Haiku 4.5",
      provider: "Anthropic",
      ...vision,
      inferenceTypes: ["INFERENCE_PROFILE"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2025-10-01T00:00:00Z" },
      mantleId: "anthropic.claude-haiku-4-5",
    },
    {
      id: "anthropic.claude-3-haiku-20240307-v1:0",
      name: "Claude 3 Haiku",
      provider: "Anthropic",
      ...vision,
      inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-03-07T00:00:00Z" },
    },
    {
      id: "anthropic.claude-3-5-sonnet-20240620-v1:0",
      name: "Claude 3.5 Sonnet",
      provider: "Anthropic",
      ...vision,
      inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
      lifecycle: {
        status: "LEGACY",
        startOfLifeTime: "2024-06-20T00:00:00Z",
        legacyTime: "2025-08-25T00:00:00Z",
        publicExtendedAccessTime: "2026-01-01T00:00:00Z",
        endOfLifeTime: "2027-03-01T00:00:00Z",
      },
    },
    {
      id: "amazon.nova-pro-v1:0",
      name: "Nova Pro",
      provider: "Amazon",
      ...vision,
      inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
      customizations: ["FINE_TUNING", "DISTILLATION"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-12-03T00:00:00Z" },
    },
    {
      id: "amazon.nova-lite-v1:0",
      name: "Nova Lite",
      provider: "Amazon",
      ...vision,
      inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
      customizations: ["FINE_TUNING"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-12-03T00:00:00Z" },
    },
    {
      id: "amazon.titan-embed-text-v2:0",
      name: "Titan Text Embeddings V2",
      provider: "Amazon",
      inputModalities: ["TEXT"],
      outputModalities: ["EMBEDDING"],
      inferenceTypes: ["ON_DEMAND"],
      streaming: false,
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-04-30T00:00:00Z" },
    },
    {
      id: "meta.llama3-1-70b-instruct-v1:0",
      name: "Llama 3.1 70B Instruct",
      provider: "Meta",
      ...text,
      inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
      customizations: ["FINE_TUNING"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-07-23T00:00:00Z" },
    },
    {
      id: "mistral.mistral-large-2407-v1:0",
      name: "Mistral Large (24.07)",
      provider: "Mistral AI",
      ...text,
      inferenceTypes: ["ON_DEMAND"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-07-24T00:00:00Z" },
    },
    {
      id: "deepseek.r1-v1:0",
      name: "DeepSeek-R1",
      provider: "DeepSeek",
      ...text,
      inferenceTypes: ["INFERENCE_PROFILE"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2025-03-10T00:00:00Z" },
    },
    {
      id: "openai.gpt-oss-120b-1:0",
      name: "gpt-oss-120b",
      provider: "OpenAI",
      ...text,
      inferenceTypes: ["ON_DEMAND"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2025-08-05T00:00:00Z" },
      mantleId: "openai.gpt-oss-120b",
    },
    {
      id: "cohere.command-r-plus-v1:0",
      name: "Command R+",
      provider: "Cohere",
      ...text,
      inferenceTypes: ["ON_DEMAND"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-04-29T00:00:00Z" },
    },
  ];
}

/**
 * Models that exercise the 2026 access rules: a model that only runs with provider data sharing
 * (Claude Fable 5's `allowed_modes: [provider_data_share]`, profile-only) [doc "Data retention"],
 * and PROVISIONED-only context-length variants (`…:0:48k`) that ListFoundationModels lists but
 * on-demand calls refuse.
 */
export function builtin2026Models(): ScenarioModel[] {
  return [
    {
      id: "anthropic.claude-fable-5",
      name: "Claude Fable 5",
      provider: "Anthropic",
      inputModalities: ["TEXT", "IMAGE"],
      outputModalities: ["TEXT"],
      inferenceTypes: ["INFERENCE_PROFILE"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2026-06-01T00:00:00Z" },
      dataRetention: { allowedModes: ["provider_data_share"], defaultMode: "default" },
      mantleId: "anthropic.claude-fable-5",
    },
    {
      id: "anthropic.claude-3-haiku-20240307-v1:0:48k",
      name: "Claude 3 Haiku (48k)",
      provider: "Anthropic",
      inputModalities: ["TEXT", "IMAGE"],
      outputModalities: ["TEXT"],
      inferenceTypes: ["PROVISIONED"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-03-07T00:00:00Z" },
    },
    {
      id: "amazon.nova-pro-v1:0:300k",
      name: "Nova Pro (300k)",
      provider: "Amazon",
      inputModalities: ["TEXT", "IMAGE"],
      outputModalities: ["TEXT"],
      inferenceTypes: ["PROVISIONED"],
      customizations: ["FINE_TUNING"],
      lifecycle: { status: "ACTIVE", startOfLifeTime: "2024-12-03T00:00:00Z" },
    },
  ];
}

/** The global profile of the 2026 models (Fable 5 is invoked through it). */
export function builtin2026Profiles(regions: readonly string[]): ScenarioProfile[] {
  if (regions.length === 0) return [];
  return [
    {
      id: "global.anthropic.claude-fable-5",
      name: "Global Claude Fable 5",
      model: "anthropic.claude-fable-5",
      sourceRegions: [...regions],
    },
  ];
}

/** System-defined profiles for the built-in catalog, restricted to the given Regions. */
export function builtinProfiles(regions: readonly string[]): ScenarioProfile[] {
  const us = regions.filter((r) => r.startsWith("us-"));
  const eu = regions.filter((r) => r.startsWith("eu-"));
  const out: ScenarioProfile[] = [];
  const geo = (prefix: string, model: string, name: string, rs: string[]) => {
    if (rs.length > 0) out.push({ id: `${prefix}.${model}`, name, model, sourceRegions: rs, destinationRegions: rs });
  };
  for (const [model, name] of [
    ["anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude Sonnet 4.5"],
    ["anthropic.claude-haiku-4-5-20251001-v1:0", "Claude Haiku 4.5"],
    ["anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku"],
    ["amazon.nova-pro-v1:0", "Nova Pro"],
    ["meta.llama3-1-70b-instruct-v1:0", "Llama 3.1 70B Instruct"],
    ["deepseek.r1-v1:0", "DeepSeek-R1"],
  ] as const) {
    geo("us", model, `US ${name}`, us);
    geo("eu", model, `EU ${name}`, eu);
  }
  if (regions.length > 0) {
    out.push({
      id: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
      name: "Global Claude Sonnet 4.5",
      model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      sourceRegions: [...regions],
    });
  }
  return out;
}

/** The common "no DeepSeek anywhere" SCP document (models and every profile routing to them). */
export function denyDeepSeekDocument(sid?: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        ...(sid ? { Sid: sid } : {}),
        Effect: "Deny",
        Action: "bedrock:*",
        Resource: [
          "arn:aws:bedrock:*::foundation-model/deepseek.*",
          "arn:aws:bedrock:*:*:inference-profile/*deepseek.*",
        ],
      },
    ],
  };
}
