// What AWS documents about a model that no API of the account returns: whether it is sold through
// AWS Marketplace (and its product id), and whether it requires data retention.
// - Third-party serverless models are sold through AWS Marketplace; the first call subscribes the
//   account ("Request access to models"; the product ids of "Grant IAM permissions to request
//   access to Amazon Bedrock foundation models with product IDs").
// - Models listed under "Amazon Bedrock abuse detection" require data retention and are refused
//   where the account-Region's (or the mantle project's) mode is `none` ("Data retention": "no
//   data retention change to Claude models released before Claude Fable 5"; OpenAI models other
//   than the gpt-oss family retain classifier-flagged traffic).
// Models AWS sells itself (Amazon, Meta, Mistral, DeepSeek, Qwen, OpenAI open-weight…) need no
// subscription.

/** Providers whose serverless models are sold through AWS Marketplace (lower case). */
const MARKETPLACE_PROVIDERS = new Set([
  "anthropic",
  "cohere",
  "ai21",
  "ai21 labs",
  "stability ai",
  "stability",
  "writer",
  "luma ai",
  "luma",
]);

/** Model-id prefixes of the models that require data retention (Amazon Bedrock abuse detection). */
const RETENTION_REQUIRED_PREFIXES = ["anthropic.claude-fable-5", "openai.gpt-5", "openai.o"];
const RETENTION_EXEMPT_PREFIXES = ["openai.gpt-oss"];

export interface ModelTraits {
  /** Sold through AWS Marketplace: the first call subscribes the account. */
  marketplace: boolean;
  /** The Marketplace product id, where AWS documents it. */
  productId: string | undefined;
  /** Refused where retention is `none`. */
  requiresRetention: boolean;
}

const providerKey = (provider: string, modelId: string) => (provider || modelId.split(".")[0] || "").toLowerCase();

export function modelTraits(modelId: string, provider: string): ModelTraits {
  return {
    marketplace: MARKETPLACE_PROVIDERS.has(providerKey(provider, modelId)),
    productId: undefined,
    requiresRetention:
      RETENTION_REQUIRED_PREFIXES.some((p) => modelId.startsWith(p)) &&
      !RETENTION_EXEMPT_PREFIXES.some((p) => modelId.startsWith(p)),
  };
}

export const isAnthropic = (modelId: string, provider: string): boolean =>
  providerKey(provider, modelId) === "anthropic" || modelId.startsWith("anthropic.");
