// The catalog on the surfaces that are not `bedrock:` invoke actions, as SCP statements. An SCP on
// `bedrock:*` does not touch `bedrock-mantle:*` or `aws-external-anthropic:*`, and a long-term
// Bedrock API key is a credential of its own, so without these an unapproved model stays callable.
//
// - bedrock-mantle: `bedrock-mantle:CreateInference` is denied unless `bedrock-mantle:Model` is a
//   model some entry allows on the `mantle` endpoint ("Actions, resources, and condition keys for
//   Amazon Bedrock Powered by AWS Mantle"; AWS's own SCP example "Deny Bedrock model invocation
//   except approved models" denies `bedrock-mantle:*` by that key). bedrock-mantle names models
//   without the version suffix of their Bedrock id (`anthropic.claude-haiku-4-5`), so exact ids are
//   mapped to the ids the inventory saw the endpoint serve, as the engine does (`mantleIdOf`); an
//   entry pattern ending in `*` is kept as is (a Bedrock id extends its mantle id, so the pattern
//   matches the mantle id exactly when it matches the Bedrock ids behind it).
// - Claude Platform on AWS: `aws-external-anthropic:*` is denied when no entry allows the
//   `claude_platform` endpoint, or outside the Regions of those that do. Its inference request
//   names no model in any condition key AWS documents, so the surface is governed as a whole: an
//   entry allowing one Anthropic model there opens the surface for the target's Anthropic models.
// - Long-term API keys: when no entry allows `apiKeys`, `bedrock:CallWithBearerToken` and
//   `bedrock-mantle:CallWithBearerToken` are denied for LONG_TERM tokens and
//   `iam:CreateServiceSpecificCredential` for bedrock.amazonaws.com, with the condition keys of
//   AWS's examples (Deny-Bedrock-long-term-api-keys, Deny-Bedrock-api-keys); when entries allow
//   keys only in some Regions, the bearer-token denies apply outside them.
// - Data retention: `bedrock:PutAccountDataRetention` and `bedrock-mantle:PutAccountDataRetention`
//   (one account-Region setting served by both endpoints) are denied when the requested
//   `bedrock:DataRetentionMode` / `bedrock-mantle:DataRetentionMode` is not a mode the catalog
//   lets the account be set to ("Data retention", section "Enforcing retention policy with IAM":
//   the write actions carry the DataRetentionMode condition key; API_PutAccountDataRetention for
//   the modes). The settable modes of an account-Region follow remediation's rule
//   (`settableRetentionModes`): entries are grouped by model, a model is pinned when every entry
//   for it names `retentionModes`, and a mode is settable when every pinned model allows it. An
//   SCP on a node governs every account below it and SCPs along a path are ANDed, so a node's pin
//   is the union over the accounts it governs (`retentionGroups`) and only an account's own SCP
//   (or the nearest node with the same union) says exactly its set. Both keys sit in one
//   StringNotEquals block: a negated operator is true when its key is absent from the request
//   (IAM "Condition operators"), so each action is tested on its own key only. Project-level modes
//   (CreateProject / UpdateProject on bedrock-mantle) are not pinned here.
//
// REGIONS. Region guards here test `aws:RequestedRegion` only on bedrock-mantle, Claude Platform and
// bearer-token actions, whose requests carry the caller's own Region; `bedrock:InvokeModel*` is
// never Region-guarded here (its allow-list names Regions in ARNs), so cross-Region and global
// inference (destination ARNs, `unspecified`) keep working, as AWS's CRIS-aware Region example
// ensures through `bedrock:InferenceProfileArn`. A Region the inventory does not know gets only
// what entries unrestricted by Region allow (safe side).
//
// Every statement here is a plain Deny (no NotResource), correct in any one of a target's SCPs.
import { compareStrings, globMatch, hasWildcard, sortStrings } from "./arns.js";
import type { CatalogEntry, Endpoint } from "./catalog.types.js";
import { entryAllowsRegion } from "./catalog-scope.js";
import { geographyRegionPatterns, inGeography } from "./geography.js";
import { isExpired, type ModelFact, type ProfileFact } from "./grants.js";

export type ScpStatement = Record<string, unknown>;

export const MANTLE_INFERENCE = "bedrock-mantle:CreateInference";
export const CLAUDE_PLATFORM_ACTIONS = "aws-external-anthropic:*";

export interface SurfaceInput {
  entries: readonly CatalogEntry[];
  models: readonly ModelFact[];
  profiles: readonly ProfileFact[];
  /** Model ids bedrock-mantle serves (inventory, every Region); unset or empty: derived from ids. */
  mantleModels?: readonly string[];
  /**
   * The entries of each account the target governs (its own lineage's), for the retention pin;
   * unset: `entries` as the entries of one account.
   */
  retentionGroups?: readonly (readonly CatalogEntry[])[];
  now: Date;
}

export const allowsEndpoint = (e: CatalogEntry, endpoint: Endpoint): boolean =>
  (e.endpoints ?? ["runtime"]).includes(endpoint);

/** Region patterns an entry allows calls from; undefined: every Region; empty: none. */
export function entryRegionPatterns(e: CatalogEntry): string[] | undefined {
  const geo = e.geography;
  if (e.regions !== undefined) return sortStrings(e.regions.filter((r) => geo === undefined || inGeography(r, geo)));
  if (geo !== undefined) return geographyRegionPatterns(geo);
  return undefined;
}

/**
 * The mantle id of a Bedrock model id: the longest served id the model id equals or extends with
 * `-` (as `mantleIdOf` in the engine), else the id without its version suffix (`-v1:0`, `-1:0`,
 * then a `-YYYYMMDD` date), which is how bedrock-mantle names the models it serves.
 */
export function mantleIdFor(modelId: string, served: readonly string[]): string {
  const hit = served
    .filter((m) => modelId === m || modelId.startsWith(`${m}-`))
    .sort((a, b) => b.length - a.length || compareStrings(a, b))[0];
  if (hit !== undefined) return hit;
  return modelId.replace(/-v?\d+(:\d+)*$/, "").replace(/-\d{8}$/, "");
}

/** `bedrock-mantle:Model` values an entry's model (id or pattern) allows. */
export function mantleValuesFor(model: string, input: SurfaceInput): string[] {
  const served = input.mantleModels ?? [];
  if (!hasWildcard(model)) return [mantleIdFor(model, served)];
  const out = new Set<string>();
  if (model.endsWith("*")) out.add(model);
  for (const m of input.models) {
    if (!globMatch(model, m.modelId)) continue;
    const id = mantleIdFor(m.modelId, served);
    if (!model.endsWith("*") || !globMatch(model, id)) out.add(id);
  }
  return sortStrings(out);
}

/** Regions the inventory knows (offered models, profile sources and destinations, listed Regions). */
function knownRegions(input: SurfaceInput): string[] {
  const out = new Set<string>();
  for (const m of input.models) for (const r of m.regions) out.add(r);
  for (const p of input.profiles) for (const r of [...p.sourceRegions, ...p.destinationRegions]) out.add(r);
  for (const e of input.entries) for (const r of e.regions ?? []) out.add(r);
  return sortStrings(out);
}

const regionIn = (patterns: readonly string[], region: string) => patterns.some((p) => globMatch(p, region));

/** Drops values another value's `*` pattern already matches. */
function minimal(values: Iterable<string>): string[] {
  const all = sortStrings(values);
  return all.filter((v) => !all.some((w) => w !== v && hasWildcard(w) && globMatch(w, v)));
}

/**
 * Merges values into `<provider>.*` where they cover every mantle id the inventory knows of that
 * provider (as the runtime allow-list merges families over the known models), so a provider
 * approved model by model costs one pattern.
 */
function compactMantle(values: readonly string[], universe: readonly string[]): string[] {
  const covered = (id: string) => values.some((v) => (hasWildcard(v) ? globMatch(v, id) : v === id));
  const providers = new Set(universe.map((id) => id.slice(0, id.indexOf(".") + 1)).filter((p) => p.length > 1));
  const merged = [...providers].filter((p) => universe.filter((id) => id.startsWith(p)).every(covered));
  return minimal([...values, ...merged.map((p) => `${p}*`)]);
}

function mantleStatements(live: readonly CatalogEntry[], input: SurfaceInput): ScpStatement[] {
  const universe = sortStrings([
    ...(input.mantleModels ?? []),
    ...input.models.map((m) => mantleIdFor(m.modelId, input.mantleModels ?? [])),
  ]);
  const grants = live
    .filter((e) => allowsEndpoint(e, "mantle") && e.viaProfiles === undefined)
    .map((e) => ({ patterns: entryRegionPatterns(e), values: mantleValuesFor(e.model, input) }))
    .filter((g) => g.patterns === undefined || g.patterns.length > 0);
  const everywhere = compactMantle(
    grants.filter((g) => g.patterns === undefined).flatMap((g) => g.values),
    universe,
  );
  const deny = (condition: Record<string, Record<string, string[]>>, sid: string): ScpStatement => ({
    Sid: sid,
    Effect: "Deny",
    Action: MANTLE_INFERENCE,
    Resource: "*",
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  });
  const modelNotIn = (values: string[]): Record<string, Record<string, string[]>> =>
    values.length > 0 ? { StringNotLike: { "bedrock-mantle:Model": values } } : {};
  // Regions where Region-limited entries add models: one statement per set of allowed models.
  const cells = new Map<string, { regions: string[]; values: string[] }>();
  for (const region of knownRegions(input)) {
    const extra = grants.filter((g) => g.patterns !== undefined && regionIn(g.patterns, region));
    if (extra.length === 0) continue;
    const values = compactMantle([...everywhere, ...extra.flatMap((g) => g.values)], universe);
    const key = values.join("\n");
    if (key === everywhere.join("\n")) continue;
    const cell = cells.get(key) ?? { regions: [], values };
    cell.regions.push(region);
    cells.set(key, cell);
  }
  const special = sortStrings([...cells.values()].flatMap((c) => c.regions));
  const out: ScpStatement[] = [
    deny(
      {
        ...(special.length > 0 ? { StringNotEquals: { "aws:RequestedRegion": special } } : {}),
        ...modelNotIn(everywhere),
      },
      "DenyMantleModelsOutsideCatalog",
    ),
  ];
  const sorted = [...cells.values()].sort((a, b) => compareStrings(a.regions[0] as string, b.regions[0] as string));
  for (const [i, c] of sorted.entries())
    out.push(
      deny(
        { StringEquals: { "aws:RequestedRegion": c.regions }, ...modelNotIn(c.values) },
        `DenyMantleModelsOutsideCatalogR${i + 1}`,
      ),
    );
  return out;
}

/**
 * Where a surface is allowed: undefined (everywhere), the Region patterns, or [] (nowhere), from
 * the entries that allow it.
 */
function surfaceRegions(entries: readonly CatalogEntry[]): string[] | undefined {
  const patterns = entries.map(entryRegionPatterns);
  if (patterns.some((p) => p === undefined)) return undefined;
  return sortStrings(patterns.flatMap((p) => p ?? []));
}

const outside = (regions: string[] | undefined): Record<string, Record<string, string[]>> =>
  regions !== undefined && regions.length > 0 ? { StringNotLike: { "aws:RequestedRegion": regions } } : {};

function claudePlatformStatements(live: readonly CatalogEntry[]): ScpStatement[] {
  const regions = surfaceRegions(live.filter((e) => allowsEndpoint(e, "claude_platform") && !e.viaProfiles));
  if (regions === undefined) return [];
  const condition = outside(regions);
  return [
    {
      Sid: "DenyClaudePlatformOutsideCatalog",
      Effect: "Deny",
      Action: CLAUDE_PLATFORM_ACTIONS,
      Resource: "*",
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    },
  ];
}

function apiKeyStatements(live: readonly CatalogEntry[]): ScpStatement[] {
  const holders = live.filter((e) => e.apiKeys === true);
  const regions = surfaceRegions(holders);
  if (regions === undefined) return [];
  const bearer = (action: string, key: string, sid: string): ScpStatement => ({
    Sid: sid,
    Effect: "Deny",
    Action: action,
    Resource: "*",
    Condition: { StringEquals: { [key]: "LONG_TERM" }, ...outside(regions) },
  });
  const out = [
    bearer("bedrock:CallWithBearerToken", "bedrock:bearerTokenType", "DenyLongTermBedrockApiKeys"),
    bearer("bedrock-mantle:CallWithBearerToken", "bedrock-mantle:BearerTokenType", "DenyLongTermMantleApiKeys"),
  ];
  // Creating keys is an IAM (global) action: denied only where no entry allows keys anywhere.
  if (regions.length === 0)
    out.push({
      Sid: "DenyCreatingBedrockApiKeys",
      Effect: "Deny",
      Action: "iam:CreateServiceSpecificCredential",
      Resource: "*",
      Condition: { StringEquals: { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com" } },
    });
  return out;
}

/**
 * Modes an account may be set to (PutAccountDataRetention's enum [doc API_PutAccountDataRetention]),
 * in the order remediation prefers them: AWS's default first, then the model's own default
 * (inherit), then zero retention, and sending prompts to the provider last. `aws_review` is a mode
 * an entry may allow but not one an account is set to.
 */
export const ACCOUNT_RETENTION_MODES = ["default", "inherit", "none", "provider_data_share"] as const;
export const RETENTION_PUT_ACTIONS = ["bedrock-mantle:PutAccountDataRetention", "bedrock:PutAccountDataRetention"];

/**
 * The modes an account-Region may be set to under the entries applying there: every mode when no
 * model is pinned (a model is pinned when every entry for it names `retentionModes`), else the
 * modes every pinned model allows (possibly none: the pins conflict).
 */
export function settableRetentionModes(entries: readonly CatalogEntry[]): string[] {
  const byModel = new Map<string, CatalogEntry[]>();
  for (const e of entries) byModel.set(e.model, [...(byModel.get(e.model) ?? []), e]);
  const pinned = [...byModel.values()]
    .filter((group) => group.every((e) => e.retentionModes !== undefined))
    .map((group) => new Set<string>(group.flatMap((e) => e.retentionModes ?? [])));
  return ACCOUNT_RETENTION_MODES.filter((m) => pinned.every((modes) => modes.has(m)));
}

/** The retention pin (see the header): one Deny per set of settable modes that is not every mode. */
export function retentionStatements(input: SurfaceInput): ScpStatement[] {
  const live = (e: CatalogEntry) => !isExpired(e, input.now);
  // No account below (an empty OU): the target's own entries, so an account moved in is not locked out.
  const given = input.retentionGroups ?? [];
  const groups = (given.length > 0 ? given : [input.entries]).map((g) => g.filter(live));
  const union = (applies: (e: CatalogEntry) => boolean) =>
    ACCOUNT_RETENTION_MODES.filter((m) => groups.some((g) => settableRetentionModes(g.filter(applies)).includes(m)));
  const full = (modes: readonly string[]) => modes.length === ACCOUNT_RETENTION_MODES.length;
  // Regions the inventory does not know: only entries unrestricted by Region apply there.
  const elsewhere = union((e) => entryRegionPatterns(e) === undefined);
  const cells = new Map<string, { regions: string[]; modes: string[] }>();
  for (const region of knownRegions(input)) {
    const modes = union((e) => entryAllowsRegion(e, region));
    if (modes.join() === elsewhere.join()) continue;
    const cell = cells.get(modes.join()) ?? { regions: [], modes };
    cell.regions.push(region);
    cells.set(modes.join(), cell);
  }
  const modeNotIn = (modes: readonly string[]): Record<string, string[]> =>
    modes.length > 0 ? { "bedrock:DataRetentionMode": [...modes], "bedrock-mantle:DataRetentionMode": [...modes] } : {};
  const deny = (sid: string, condition: Record<string, Record<string, string[]>>): ScpStatement => ({
    Sid: sid,
    Effect: "Deny",
    Action: RETENTION_PUT_ACTIONS,
    Resource: "*",
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  });
  const out: ScpStatement[] = [];
  const special = sortStrings([...cells.values()].flatMap((c) => c.regions));
  if (!full(elsewhere)) {
    const notEquals = { ...(special.length > 0 ? { "aws:RequestedRegion": special } : {}), ...modeNotIn(elsewhere) };
    out.push(deny("PinDataRetentionModes", Object.keys(notEquals).length > 0 ? { StringNotEquals: notEquals } : {}));
  }
  const sorted = [...cells.values()]
    .filter((c) => !full(c.modes))
    .sort((a, b) => compareStrings(a.regions[0] as string, b.regions[0] as string));
  for (const [i, c] of sorted.entries())
    out.push(
      deny(`PinDataRetentionModesR${i + 1}`, {
        StringEquals: { "aws:RequestedRegion": c.regions },
        ...(c.modes.length > 0 ? { StringNotEquals: modeNotIn(c.modes) } : {}),
      }),
    );
  return out;
}

/** The surface statements for a target's catalog (each a Deny correct in any of its SCPs). */
export function surfaceStatements(input: SurfaceInput): ScpStatement[] {
  const live = input.entries.filter((e) => !isExpired(e, input.now));
  return [
    ...mantleStatements(live, input),
    ...claudePlatformStatements(live),
    ...apiKeyStatements(live),
    ...retentionStatements(input),
  ];
}
