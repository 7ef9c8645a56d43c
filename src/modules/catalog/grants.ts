// What a set of catalog entries allows, in terms the policy compilers share: direct use of a model
// in Regions, and use of inference profiles from source Regions. The rules:
//
// - An entry with `expiresAt` ≤ now allows nothing (an unparsable date counts as expired).
// - Source Regions: `regions` (minus those outside `geography`), else the geography's Regions,
//   else every Region.
// - Without `viaProfiles`, an entry allows direct calls in its source Regions, and every
//   inference profile of the model whose destination Regions all lie in those Regions (so a
//   profile never carries traffic somewhere the entry does not allow). A global profile goes
//   anywhere, so only an entry unrestricted by Region and geography allows it (and with it the
//   Region-less model ARN).
// - With `viaProfiles`, an entry allows only the named profiles, from its source Regions; their
//   destination Regions must all lie in the entry's geography when it has one, and a global
//   profile never satisfies a geography. The model ARNs the profile reaches are allowed only
//   through that profile.
import { ANY_REGION, globMatch, hasWildcard, REGIONLESS, sortStrings } from "./arns.js";
import type { CatalogEntry, Geography } from "./catalog.types.js";
import { geographyRegionPatterns, inGeography } from "./geography.js";

/** A model as the inventory knows it. */
export interface ModelFact {
  modelId: string;
  provider: string;
  /** Regions where the model is offered. */
  regions: string[];
  /**
   * Sold through AWS Marketplace, from the inventory's agreement facts across the organization
   * (soldThroughMarketplace); unset: judged from the model id alone.
   */
  marketplace?: boolean;
}

/** A system-defined inference profile as the inventory knows it. */
export interface ProfileFact {
  profileId: string;
  modelId: string;
  sourceRegions: string[];
  destinationRegions: string[];
  isGlobal: boolean;
}

export type RegionScope =
  | { kind: "all" }
  | { kind: "geography"; geography: Geography }
  | { kind: "list"; regions: string[] };

/** Direct (on-demand) use of a model id or pattern. */
export interface ModelGrant {
  entryId: string;
  model: string;
  scope: RegionScope;
  /** Global inference (the Region-less model ARN) allowed too. */
  regionless: boolean;
}

/** Use of one inference profile from some source Regions. */
export interface ProfileGrant {
  entryId: string;
  profile: ProfileFact;
  sources: string[];
  /** From a `viaProfiles` entry: the model ARNs it reaches are allowed only through a profile. */
  viaOnly: boolean;
}

export interface GrantInput {
  entries: readonly CatalogEntry[];
  models: readonly ModelFact[];
  profiles: readonly ProfileFact[];
  now: Date;
}

export interface Grants {
  modelGrants: ModelGrant[];
  profileGrants: ProfileGrant[];
  /** Why an entry, or part of one, allows nothing. */
  notes: string[];
}

export function scopeAllows(scope: RegionScope, region: string): boolean {
  if (region === REGIONLESS) return false;
  switch (scope.kind) {
    case "all":
      return true;
    case "geography":
      return inGeography(region, scope.geography);
    case "list":
      return scope.regions.includes(region);
  }
}

/** ARN Region-field patterns for a scope when the inventory does not list the model. */
export function scopeTokens(scope: RegionScope): string[] {
  switch (scope.kind) {
    case "all":
      return [ANY_REGION];
    case "geography":
      return geographyRegionPatterns(scope.geography);
    case "list":
      return sortStrings(scope.regions);
  }
}

function scopeOf(entry: CatalogEntry): RegionScope {
  const geo = entry.geography;
  if (entry.regions !== undefined)
    return {
      kind: "list",
      regions: sortStrings(entry.regions.filter((r) => geo === undefined || inGeography(r, geo))),
    };
  if (geo !== undefined) return { kind: "geography", geography: geo };
  return { kind: "all" };
}

export const modelMatches = (pattern: string, modelId: string): boolean =>
  hasWildcard(pattern) ? globMatch(pattern, modelId) : pattern === modelId;

export function isExpired(entry: CatalogEntry, now: Date): boolean {
  if (entry.expiresAt === undefined) return false;
  const at = Date.parse(entry.expiresAt);
  return Number.isNaN(at) || at <= now.getTime();
}

export function resolveGrants(input: GrantInput): Grants {
  const profilesById = new Map(input.profiles.map((p) => [p.profileId, p]));
  const modelGrants: ModelGrant[] = [];
  const profileGrants: ProfileGrant[] = [];
  const notes: string[] = [];
  for (const entry of input.entries) {
    if (isExpired(entry, input.now)) {
      notes.push(`entry ${entry.id} (${entry.model}) expired at ${entry.expiresAt}: allows nothing`);
      continue;
    }
    const scope = scopeOf(entry);
    if (scope.kind === "list" && scope.regions.length === 0) {
      notes.push(`entry ${entry.id} (${entry.model}): no Region left inside geography ${entry.geography}`);
      continue;
    }
    const geo = entry.geography;
    if (entry.viaProfiles !== undefined) {
      if (entry.viaProfiles.length === 0) notes.push(`entry ${entry.id} (${entry.model}): viaProfiles is empty`);
      for (const id of entry.viaProfiles) {
        const profile = profilesById.get(id);
        const why =
          profile === undefined
            ? "is not in the inventory"
            : !modelMatches(entry.model, profile.modelId)
              ? `serves ${profile.modelId}, not ${entry.model}`
              : geo !== undefined && profile.isGlobal
                ? `is global and cannot keep data in ${geo}`
                : geo !== undefined && !profile.destinationRegions.every((r) => inGeography(r, geo))
                  ? `has destination Regions outside ${geo}`
                  : undefined;
        if (why !== undefined || profile === undefined) {
          notes.push(`entry ${entry.id}: profile ${id} ${why}`);
          continue;
        }
        const sources = sortStrings(profile.sourceRegions.filter((r) => scopeAllows(scope, r)));
        if (sources.length === 0) {
          notes.push(`entry ${entry.id}: profile ${id} has no source Region the entry allows`);
          continue;
        }
        profileGrants.push({ entryId: entry.id, profile, sources, viaOnly: true });
      }
      continue;
    }
    modelGrants.push({ entryId: entry.id, model: entry.model, scope, regionless: scope.kind === "all" });
    for (const profile of input.profiles) {
      if (!modelMatches(entry.model, profile.modelId)) continue;
      const fits = profile.isGlobal
        ? scope.kind === "all"
        : profile.destinationRegions.every((r) => scopeAllows(scope, r));
      if (!fits) continue;
      const sources = sortStrings(profile.sourceRegions.filter((r) => scopeAllows(scope, r)));
      if (sources.length > 0) profileGrants.push({ entryId: entry.id, profile, sources, viaOnly: false });
    }
  }
  return { modelGrants, profileGrants, notes };
}

/** Answers "is (model, Region) allowed" for the grants, and knows where models can be reached. */
export class AllowIndex {
  readonly grants: Grants;
  readonly modelsById: ReadonlyMap<string, ModelFact>;
  readonly profilesById: ReadonlyMap<string, ProfileFact>;
  /** modelId → Regions (and REGIONLESS) reachable only through an allowed profile grant. */
  private readonly via = new Map<string, Set<string>>();
  private readonly reach = new Map<string, Set<string>>();
  /** Grants of exact ids, by id; pattern grants are matched one by one. */
  private readonly exactGrants = new Map<string, ModelGrant[]>();
  private readonly patternGrants: ModelGrant[] = [];

  constructor(input: GrantInput) {
    this.grants = resolveGrants(input);
    this.modelsById = new Map(input.models.map((m) => [m.modelId, m]));
    this.profilesById = new Map(input.profiles.map((p) => [p.profileId, p]));
    const add = (map: Map<string, Set<string>>, id: string, regions: Iterable<string>) => {
      const set = map.get(id) ?? new Set<string>();
      map.set(id, set);
      for (const r of regions) set.add(r);
    };
    for (const g of this.grants.modelGrants) {
      if (hasWildcard(g.model)) this.patternGrants.push(g);
      else this.exactGrants.set(g.model, [...(this.exactGrants.get(g.model) ?? []), g]);
    }
    for (const m of input.models) add(this.reach, m.modelId, m.regions);
    for (const p of input.profiles) add(this.reach, p.modelId, p.isGlobal ? p.sourceRegions : p.destinationRegions);
    for (const g of this.grants.profileGrants) {
      if (!g.viaOnly) continue;
      const p = g.profile;
      add(this.via, p.modelId, p.isGlobal ? [...g.sources, REGIONLESS] : p.destinationRegions);
      add(this.reach, p.modelId, p.isGlobal ? g.sources : p.destinationRegions);
    }
  }

  /** Regions where the inventory says a model can run (offered, or a profile destination). */
  regionsOf(modelId: string): ReadonlySet<string> {
    return this.reach.get(modelId) ?? new Set();
  }

  /** Model ids the inventory knows (models and profile targets). */
  knownModelIds(): string[] {
    return sortStrings(this.reach.keys());
  }

  directAllows(modelId: string, region: string): boolean {
    const hit = (g: ModelGrant) => (region === REGIONLESS ? g.regionless : scopeAllows(g.scope, region));
    return (
      (this.exactGrants.get(modelId) ?? []).some(hit) ||
      this.patternGrants.some((g) => hit(g) && globMatch(g.model, modelId))
    );
  }

  viaAllows(modelId: string, region: string): boolean {
    return this.via.get(modelId)?.has(region) ?? false;
  }

  allows(modelId: string, region: string): boolean {
    return this.directAllows(modelId, region) || this.viaAllows(modelId, region);
  }

  /** (modelId, Region) pairs allowed only through a profile, by model id. */
  viaOnly(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [id, regions] of this.via) {
      const only = sortStrings([...regions].filter((r) => !this.directAllows(id, r)));
      if (only.length > 0) out.set(id, only);
    }
    return out;
  }

  /** Allowed source Regions by profile id. */
  profileSources(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const g of this.grants.profileGrants) {
      const set = out.get(g.profile.profileId) ?? new Set<string>();
      out.set(g.profile.profileId, set);
      for (const r of g.sources) set.add(r);
    }
    return out;
  }
}
