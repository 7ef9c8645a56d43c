// AWS Marketplace product ids of Bedrock models, written once: AWS's table in the Bedrock user guide
// "Use product ID condition keys to control access to models" (model-access-product-ids), the values
// of the condition key aws-marketplace:ProductId. The governor reads it to know a model's product; the
// sandbox reads it to give its built-in models the same ids.

const PRODUCT_IDS: Readonly<Record<string, string>> = {
  "anthropic.claude-sonnet-4-5-20250929-v1:0": "prod-mxcfnwvpd6kb4",
  "anthropic.claude-haiku-4-5-20251001-v1:0": "prod-xdkflymybwmvi",
  "anthropic.claude-3-haiku-20240307-v1:0": "prod-ozonys2hmmpeu",
  "anthropic.claude-3-5-sonnet-20240620-v1:0": "prod-m5ilt4siql27k",
  "cohere.command-r-plus-v1:0": "prod-nb4wqmplze2pm",
};

/**
 * The documented Marketplace product id of a model, or undefined where AWS's table does not list it.
 * Provisioned Throughput variants (`…:0:48k`) share their model's product.
 */
export function documentedProductId(modelId: string): string | undefined {
  return PRODUCT_IDS[modelId.replace(/:\d+k$/, "")];
}
