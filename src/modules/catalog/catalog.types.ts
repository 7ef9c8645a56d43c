// Domain types of the approved-models catalog (shared by the catalog, reconciliation and the
// policy compiler).

/** Data-residency geographies an entry can be limited to. */
export const GEOGRAPHIES = ["US", "EU", "APAC", "CA", "JP", "AU", "SA", "GOV"] as const;
export type Geography = (typeof GEOGRAPHIES)[number];

/**
 * The surfaces an entry allows the model on: `runtime` (bedrock-runtime: Converse, InvokeModel,
 * Chat Completions, Responses, directly or through inference profiles), `mantle` (the
 * bedrock-mantle endpoint) and `claude_platform` (Claude Platform on AWS, operated by Anthropic).
 */
export const ENDPOINTS = ["runtime", "mantle", "claude_platform"] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** Data-retention modes an entry may allow (GetAccountDataRetention / a mantle project's). */
export const CATALOG_RETENTION_MODES = ["default", "none", "provider_data_share", "inherit", "aws_review"] as const;
export type CatalogRetentionMode = (typeof CATALOG_RETENTION_MODES)[number];

export type CatalogScope = { kind: "organization" } | { kind: "ou"; id: string } | { kind: "account"; id: string };

export interface CatalogEntry {
  id: string;
  /**
   * Exact model id (`anthropic.claude-sonnet-4-5-20250929-v1:0`) or a pattern with `*` for a
   * provider or family (`anthropic.*`, `amazon.nova-*`).
   */
  model: string;
  /** When set, the model may be used only through these inference profile ids (e.g. `eu.anthropic.…`). */
  viaProfiles?: string[];
  scope: CatalogScope;
  /** Regions where the entry allows use (source Regions of calls). Unset: every Region, or the geography's. */
  regions?: string[];
  /** Data residency: calls, and every destination Region of a profile used, must stay in this geography. */
  geography?: Geography;
  conditions?: { loggingRequired?: boolean; guardrailRequired?: boolean };
  /** Surfaces the model may be used on; unset: `runtime` only. */
  endpoints?: Endpoint[];
  /** Retention modes under which the model may be used; unset: any. */
  retentionModes?: CatalogRetentionMode[];
  /**
   * The model may be called with long-term Bedrock API keys (IAM service-specific credentials) in
   * the accounts this entry covers. Unset: an account holding active long-term keys through which
   * a model can be called is an unguarded surface.
   */
  apiKeys?: boolean;
  /**
   * Remediation may accept the model's Marketplace agreement (a commercial act) in the accounts
   * this entry covers. Unset: never; AWS subscribes an account on its first call anyway.
   */
  acceptAgreement?: boolean;
  /**
   * The model reaches the accounts this entry covers through a managed entitlement: remediation
   * distributes a License Manager grant of this license (held by the management account, home
   * Region us-east-1) to each such account and activates it, and deletes the grants it made once no
   * entry asks for them. Access requests for the model are provisioned the same way (their grants
   * inherit the entitlement of the catalog entry for the model). Unset: no grants are managed.
   * Catalog entries always name the license; an access grant's entry leaves it out when an
   * approval rule asked for a managed entitlement and no catalog entry names a license for the
   * model: remediation then grants the management account's own license for the model (its
   * ProductSKU is the model's product), found when planning.
   */
  entitlement?: { licenseArn?: string };
  owner: string;
  justification: string;
  /** ISO date-time after which the entry no longer allows anything. */
  expiresAt?: string;
}

/**
 * The entries that allow use at a time: the catalog, and (once access requests exist) the active
 * access grants expressed as account-scoped entries. Reconciliation, the policy compilers and
 * remediation read desired state only through this, so grants count wherever the catalog does.
 * `at` unset: now. A past `at` answers from history (the catalog version in force then).
 */
export interface DesiredStateSource {
  entries(at?: Date): Promise<CatalogEntry[]>;
}
