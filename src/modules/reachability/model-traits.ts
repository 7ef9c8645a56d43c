// What AWS documents about a model that no API of the account returns: whether it is sold through
// AWS Marketplace (and its product id), and whether it requires data retention.
// - Third-party serverless models are sold through AWS Marketplace; the first call subscribes the
//   account ("Request access to models"; the product ids of "Grant IAM permissions to request
//   access to Amazon Bedrock foundation models with product IDs").
// - Models listed under "Amazon Bedrock abuse detection" require data retention: they are refused
//   where the effective mode (the mantle project's, else the account-Region's, `inherit` meaning
//   the model's default) is below what they need ("Data retention": "no data retention change to
//   Claude models released before Claude Fable 5"). bedrock-mantle's model list reports a model's
//   allowed modes too; where the inventory read them, they win over this table.
// Which models are sold through AWS Marketplace is read from facts, not from a list of providers
// (a new third-party provider would be missed, a first-party one misjudged): AWS's product-id table
// lists the model, or an account saw agreement offers for it (ListFoundationModelAgreementOffers
// answers offers only for models sold by agreement), or an agreement for it is PENDING or in ERROR
// (GetFoundationModelAvailability: agreements exist only for Marketplace models) ["Request access
// to models"; API_ListFoundationModelAgreementOffers; API_GetFoundationModelAvailability]. A model
// already subscribed everywhere and missing from the table shows none of these: its first call no
// longer subscribes anything, so the Marketplace gate has nothing to check there.

import { documentedProductId } from "../../kernel/aws-marketplace.js";

/** What the inventory (or a live read) saw of a model's agreement in one account-Region. */
export interface AgreementEvidence {
  agreementStatus: string | null;
  /** Offers ListFoundationModelAgreementOffers returned; null: not read. */
  offerCount: number | null;
}

/** Sold through AWS Marketplace, by the facts above. */
export function soldThroughMarketplace(modelId: string, evidence: readonly AgreementEvidence[]): boolean {
  if (documentedProductId(modelId) !== undefined) return true;
  return evidence.some(
    (e) => (e.offerCount ?? 0) > 0 || e.agreementStatus === "PENDING" || e.agreementStatus === "ERROR",
  );
}

/**
 * Data-retention modes, from least to most retention ("Data retention"): a model that needs a mode
 * runs where the effective mode is at least that (aws_review: AWS may review flagged traffic;
 * provider_data_share: the provider receives it too).
 */
export const RETENTION_ORDER = ["none", "default", "aws_review", "provider_data_share"] as const;
export type RankedRetentionMode = (typeof RETENTION_ORDER)[number];

/**
 * The retention modes of the models AWS lists under "Amazon Bedrock abuse detection": Claude Fable 5
 * runs only where prompts may be shared with the provider; the others there need retention.
 */
const RETENTION: Array<{ prefix: string; allowedModes: RankedRetentionMode[] }> = [
  { prefix: "anthropic.claude-fable-5", allowedModes: ["provider_data_share"] },
];

export interface ModelTraits {
  /** Sold through AWS Marketplace: the first call subscribes the account. */
  marketplace: boolean;
  /** The Marketplace product id, where AWS documents it. */
  productId: string | undefined;
  /** Refused where retention is `none`. */
  requiresRetention: boolean;
  /** The modes the model runs under (it runs where the effective mode is at least one of them). */
  retentionModes: readonly RankedRetentionMode[] | undefined;
}

const providerKey = (provider: string, modelId: string) => (provider || modelId.split(".")[0] || "").toLowerCase();

/** `evidence`: the model's agreement facts where it is judged (see soldThroughMarketplace). */
export function modelTraits(modelId: string, evidence: readonly AgreementEvidence[] = []): ModelTraits {
  const retention = RETENTION.find((r) => modelId.startsWith(r.prefix))?.allowedModes;
  return {
    marketplace: soldThroughMarketplace(modelId, evidence),
    productId: documentedProductId(modelId),
    requiresRetention: retention !== undefined && !retention.includes("none"),
    retentionModes: retention,
  };
}

/** Does the model run under this (effective) mode? */
export function retentionAllows(modes: readonly RankedRetentionMode[] | undefined, mode: RankedRetentionMode): boolean {
  if (modes === undefined) return true;
  const rank = RETENTION_ORDER.indexOf(mode);
  return modes.some((m) => RETENTION_ORDER.indexOf(m) <= rank);
}

export const isAnthropic = (modelId: string, provider: string): boolean =>
  providerKey(provider, modelId) === "anthropic" || modelId.startsWith("anthropic.");
