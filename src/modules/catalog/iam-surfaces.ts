// The identity-policy statements for the surfaces besides bedrock-runtime: bedrock-mantle, the
// Marketplace subscription a third-party model's first call starts, and Bedrock API keys. Each
// allows exactly what the reachability engine's call requests (reachability/call-requests.ts) ask
// for an approved model, and nothing for an unapproved one.
//
// AWS sources (checked 2026-12-06):
// - "Actions, resources, and condition keys for Amazon Bedrock Powered by AWS Mantle" (Service
//   Authorization Reference): CreateInference on `project*` with condition key `bedrock-mantle:Model`;
//   GetProject, ListProjects, GetModel, ListModels and ListTagsForResource on `project*` (no Model
//   key); CallWithBearerToken (permission-only, no resource) with `bedrock-mantle:BearerTokenType`.
// - Bedrock user guide "Making inference requests" and "IAM policies for Amazon Bedrock Projects":
//   inference on bedrock-mantle needs CreateInference, GetProject, ListProjects and the project's
//   tag read (spelled ListTagsForResources there; the reference's action is ListTagsForResource).
// - "Request access to models": a third-party model's first call subscribes the account when the
//   caller holds aws-marketplace:Subscribe, Unsubscribe and ViewSubscriptions; "Use product ID
//   condition keys to control access to models": `aws-marketplace:ProductId` scopes Subscribe.
// - "Control permissions for generating and using Amazon Bedrock API keys": `bedrock:CallWithBearerToken`
//   with `bedrock:bearerTokenType` (SHORT_TERM | LONG_TERM).
import { documentedProductId } from "../../kernel/aws-marketplace.js";
import { modelTraits } from "../reachability/model-traits.js";
import { globMatch, hasWildcard, sortStrings } from "./arns.js";
import type { CatalogEntry, Endpoint } from "./catalog.types.js";
import { entryAllowsRegion } from "./catalog-scope.js";
import { isExpired, modelMatches } from "./grants.js";
import type { IamStatement } from "./iam-types.js";

export const MANTLE_INFERENCE_ACTIONS = ["bedrock-mantle:CreateInference"] as const;
/** Reads a caller needs to use a project (find it, see its models and tags); no Model key applies. */
export const MANTLE_PROJECT_READ_ACTIONS = [
  "bedrock-mantle:GetModel",
  "bedrock-mantle:GetProject",
  "bedrock-mantle:ListModels",
  "bedrock-mantle:ListProjects",
  "bedrock-mantle:ListTagsForResource",
] as const;
/** Subscribe and Unsubscribe carry the product id; ViewSubscriptions does not (so it is unscoped). */
export const MARKETPLACE_SCOPED_ACTIONS = ["aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe"] as const;
export const MARKETPLACE_VIEW_ACTION = "aws-marketplace:ViewSubscriptions";
export const BEARER_TOKEN_TYPES = ["LONG_TERM", "SHORT_TERM"] as const;

export const mantleProjectsArn = (region: string, accountId: string) =>
  `arn:aws:bedrock-mantle:${region}:${accountId}:project/*`;

export const allowsEndpoint = (e: CatalogEntry, endpoint: Endpoint): boolean =>
  (e.endpoints ?? ["runtime"]).includes(endpoint);

interface SurfaceInput {
  accountId: string;
  region: string;
  entries: readonly CatalogEntry[];
  now: Date;
}

/** The model bedrock-mantle serves a Bedrock id under (reachability/engine.ts mantleIdOf, same rule). */
function mantleIdOf(modelId: string, served: readonly string[]): string | undefined {
  return served.filter((m) => modelId === m || modelId.startsWith(`${m}-`)).sort((a, b) => b.length - a.length)[0];
}

/** Mantle entries that apply: live, allowing bedrock-mantle, not restricted to inference profiles, in the Region. */
export function mantleEntries(input: SurfaceInput): CatalogEntry[] {
  return input.entries.filter(
    (e) =>
      !isExpired(e, input.now) &&
      allowsEndpoint(e, "mantle") &&
      e.viaProfiles === undefined &&
      entryAllowsRegion(e, input.region),
  );
}

/**
 * The mantle ids the entries approve in the Region: a served mantle id is approved when a Bedrock
 * model the inventory knows maps to it (mantleIdOf) and an entry matches that Bedrock id, or when a
 * pattern entry matches the mantle id itself. Also returns the approved Bedrock ids (for Marketplace).
 */
export function approvedMantleModels(
  entries: readonly CatalogEntry[],
  served: readonly string[],
  knownModelIds: readonly string[],
): { mantleIds: string[]; modelIds: string[]; unserved: string[] } {
  const mantleIds = new Set<string>();
  const modelIds = new Set<string>();
  const unserved: string[] = [];
  for (const e of entries) {
    let hit = false;
    const candidates = hasWildcard(e.model) ? knownModelIds.filter((id) => globMatch(e.model, id)) : [e.model];
    for (const id of candidates) {
      const m = mantleIdOf(id, served);
      if (m === undefined) continue;
      mantleIds.add(m);
      modelIds.add(id);
      hit = true;
    }
    if (hasWildcard(e.model))
      for (const m of served)
        if (globMatch(e.model, m)) {
          mantleIds.add(m);
          hit = true;
        }
    if (!hit) unserved.push(e.id);
  }
  return { mantleIds: sortStrings(mantleIds), modelIds: sortStrings(modelIds), unserved };
}

export function mantleStatements(
  input: SurfaceInput & { served: readonly string[] | undefined; knownModelIds: readonly string[] },
): { statements: IamStatement[]; approvedModelIds: string[]; warnings: string[] } {
  const entries = mantleEntries(input);
  if (entries.length === 0) return { statements: [], approvedModelIds: [], warnings: [] };
  if (input.served === undefined)
    return {
      statements: [],
      approvedModelIds: [],
      warnings: [
        `entries ${entries.map((e) => e.id).join(", ")} allow bedrock-mantle but the models it serves in ${input.region} are not known (sync the account-Region): no bedrock-mantle statement`,
      ],
    };
  const { mantleIds, modelIds, unserved } = approvedMantleModels(entries, input.served, input.knownModelIds);
  const warnings = unserved.map((id) => {
    const e = entries.find((x) => x.id === id) as CatalogEntry;
    return `entry ${id}: bedrock-mantle does not serve ${e.model} in ${input.region}`;
  });
  if (mantleIds.length === 0) return { statements: [], approvedModelIds: [], warnings };
  const projects = mantleProjectsArn(input.region, input.accountId);
  return {
    statements: [
      {
        Sid: "MantleInference",
        Effect: "Allow",
        Action: [...MANTLE_INFERENCE_ACTIONS],
        Resource: [projects],
        Condition: { StringEquals: { "bedrock-mantle:Model": mantleIds } },
      },
      { Sid: "MantleProjectRead", Effect: "Allow", Action: [...MANTLE_PROJECT_READ_ACTIONS], Resource: [projects] },
    ],
    approvedModelIds: modelIds,
    warnings,
  };
}

/**
 * Subscribe/Unsubscribe scoped to the product ids of the approved third-party models, and
 * ViewSubscriptions (which carries no product id). Nothing when no third-party model is approved;
 * a third-party model without a documented product id is reported, never granted unscoped.
 */
export function marketplaceStatements(
  approved: readonly { modelId: string; provider: string; marketplace?: boolean | undefined }[],
): {
  statements: IamStatement[];
  warnings: string[];
} {
  const ids = new Set<string>();
  const warnings: string[] = [];
  for (const m of approved) {
    if (!(m.marketplace ?? modelTraits(m.modelId).marketplace)) continue;
    const product = documentedProductId(m.modelId);
    if (product === undefined)
      warnings.push(
        `${m.modelId} is sold through AWS Marketplace but AWS documents no product id for it: no Subscribe permission is granted for it (subscribe the account once as an administrator, or add its product id)`,
      );
    else ids.add(product);
  }
  if (ids.size === 0) return { statements: [], warnings };
  return {
    statements: [
      {
        Sid: "MarketplaceSubscribe",
        Effect: "Allow",
        Action: [...MARKETPLACE_SCOPED_ACTIONS],
        Resource: ["*"],
        Condition: { StringEquals: { "aws-marketplace:ProductId": sortStrings(ids) } },
      },
      { Sid: "MarketplaceViewSubscriptions", Effect: "Allow", Action: [MARKETPLACE_VIEW_ACTION], Resource: ["*"] },
    ],
    warnings,
  };
}

/**
 * Bedrock API keys, only where an applying entry allows them (`apiKeys: true`): bedrock-runtime's
 * CallWithBearerToken when such an entry allows `runtime`, bedrock-mantle's when one allows
 * `mantle`, in this Region, for the documented token types. The permission is not model-scoped in
 * IAM: a key reaches every model the policy allows on that surface, which the warnings say.
 */
export function apiKeyStatements(input: SurfaceInput): { statements: IamStatement[]; warnings: string[] } {
  const live = input.entries.filter((e) => !isExpired(e, input.now) && entryAllowsRegion(e, input.region));
  const statements: IamStatement[] = [];
  const warnings: string[] = [];
  const surfaces = [
    {
      endpoint: "runtime",
      Sid: "ApiKeysRuntime",
      action: "bedrock:CallWithBearerToken",
      key: "bedrock:bearerTokenType",
    },
    {
      endpoint: "mantle",
      Sid: "ApiKeysMantle",
      action: "bedrock-mantle:CallWithBearerToken",
      key: "bedrock-mantle:BearerTokenType",
    },
  ] as const;
  for (const s of surfaces) {
    const on = live.filter((e) => allowsEndpoint(e, s.endpoint));
    const keyed = on.filter((e) => e.apiKeys === true);
    if (keyed.length === 0) continue;
    statements.push({
      Sid: s.Sid,
      Effect: "Allow",
      Action: [s.action],
      Resource: ["*"],
      Condition: { StringEquals: { [s.key]: [...BEARER_TOKEN_TYPES], "aws:RequestedRegion": input.region } },
    });
    const others = on.filter((e) => e.apiKeys !== true && !keyed.some((k) => modelMatches(k.model, e.model)));
    if (others.length > 0)
      warnings.push(
        `API keys are allowed on ${s.endpoint} for entries ${keyed.map((e) => e.id).join(", ")}; IAM cannot scope ${s.action} to a model, so keys also reach the models of entries ${others.map((e) => e.id).join(", ")}`,
      );
  }
  return { statements, warnings };
}
