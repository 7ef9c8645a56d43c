// The SCP compiler's first step: the catalog's grants as the compacted allow-list of
// foundation-model and inference-profile ARNs, and the ARNs allowed only through profiles.
import { compareStrings, globMatch as glob, hasWildcard, REGIONLESS } from "./arns.js";
import { type CompactionUniverse, compactIds, regionTokens } from "./compaction.js";
import { AllowIndex, type GrantInput, scopeTokens } from "./grants.js";

export type Kind = "fm" | "profile";

export interface AllowArn {
  kind: Kind;
  /** Model/profile id or `prefix*` pattern. */
  id: string;
  arn: string;
}

export interface ViaArn {
  /** Model id or `prefix*` pattern. */
  id: string;
  arn: string;
  /** The allowed profiles that reach it. */
  profiles: string[];
}

export interface Unit {
  kind: Kind;
  prefix: string;
  /** Exactly the id `prefix` (when ids prefix one another, e.g. `x-v1:0` and `x-v1:0:200k`). */
  exact: boolean;
  allow: AllowArn[];
  via: ViaArn[];
}

export const fmArn = (token: string, id: string) => `arn:aws:bedrock:${token}::foundation-model/${id}`;
export const profileArn = (token: string, id: string) => `arn:aws:bedrock:${token}:*:inference-profile/${id}`;
export const unitPattern = (u: Unit) =>
  (u.kind === "fm" ? fmArn : profileArn)("*", u.exact ? u.prefix : `${u.prefix}*`);
export const unitLabel = (u: Unit) =>
  `${u.kind === "fm" ? "foundation-model" : "inference-profile"}/${u.prefix}${u.exact ? "" : "*"}`;

/** Whether ARN pattern `b` matches everything ARN `a` matches (conservative: may say no). */
export function subsumes(b: AllowArn, a: AllowArn): boolean {
  if (b.kind !== a.kind || b === a) return false;
  const [bt, at] = [regionField(b.arn), regionField(a.arn)];
  const tokenOk =
    bt === at || bt === "*" || (bt === "?*" && at !== REGIONLESS) || (!hasWildcard(at) && at !== "" && glob(bt, at));
  if (!tokenOk) return false;
  if (b.id === a.id) return bt !== at;
  if (!hasWildcard(a.id)) return glob(b.id, a.id);
  const bp = b.id.slice(0, -1);
  return b.id.endsWith("*") && !hasWildcard(bp) && a.id.startsWith(bp);
}

export const regionField = (arn: string) => arn.split(":")[3] ?? "";

export function modelUniverse(index: AllowIndex): CompactionUniverse {
  return {
    ids: index.knownModelIds(),
    regionsOf: (id) => index.regionsOf(id),
    allows: (id, region) => index.allows(id, region),
    minPrefixLength: (id) => id.indexOf(".") + 1 || id.length,
    allRegionsToken: (regionless) => (regionless ? "*" : "?*"),
  };
}

export function profileUniverse(index: AllowIndex, sources: Map<string, Set<string>>): CompactionUniverse {
  const ids = [...index.profilesById.keys()].sort(compareStrings);
  return {
    ids,
    regionsOf: (id) => new Set(index.profilesById.get(id)?.sourceRegions ?? []),
    allows: (id, region) => sources.get(id)?.has(region) ?? false,
    minPrefixLength: (id) => id.indexOf(".") + 1 || id.length,
    // Profile ARNs always name a Region: `*` and `?*` mean the same, `*` is shorter.
    allRegionsToken: () => "*",
  };
}

/** The allow-list (compacted) and the profile-only ARNs, before any splitting. */
export function buildAllowList(input: GrantInput): { allow: AllowArn[]; via: ViaArn[] } {
  const index = new AllowIndex(input);
  const allow: AllowArn[] = [];

  // Foundation models: exact ids the inventory knows are compacted; unknown ids and patterns are
  // emitted as the entries say.
  const mu = modelUniverse(index);
  const exactIds = new Set<string>();
  for (const g of index.grants.modelGrants) if (!hasWildcard(g.model)) exactIds.add(g.model);
  const viaOnly = index.viaOnly();
  for (const g of index.grants.profileGrants) if (g.viaOnly) exactIds.add(g.profile.modelId);
  const byToken = new Map<string, string[]>();
  for (const id of exactIds) {
    let tokens: string[];
    if (index.regionsOf(id).size > 0) tokens = regionTokens(mu, id);
    else {
      const set = new Set<string>();
      let regionless = false;
      for (const g of index.grants.modelGrants) {
        if (g.model !== id) continue;
        for (const t of scopeTokens(g.scope)) set.add(t);
        regionless ||= g.regionless;
      }
      if (regionless && set.delete("?*")) set.add("*");
      tokens = [...set];
    }
    for (const t of tokens) byToken.set(t, [...(byToken.get(t) ?? []), id]);
  }
  for (const [token, ids] of byToken) {
    const known = ids.filter((id) => index.regionsOf(id).size > 0);
    const unknown = ids.filter((id) => index.regionsOf(id).size === 0);
    for (const id of [...compactIds(mu, known, token), ...unknown])
      allow.push({ kind: "fm", id, arn: fmArn(token, id) });
  }
  for (const g of index.grants.modelGrants) {
    if (!hasWildcard(g.model)) continue;
    const tokens = g.regionless ? ["*"] : scopeTokens(g.scope);
    for (const t of tokens) allow.push({ kind: "fm", id: g.model, arn: fmArn(t, g.model) });
  }

  // Inference profiles, by allowed source Regions.
  const sources = index.profileSources();
  const pu = profileUniverse(index, sources);
  const profTokens = new Map<string, string[]>();
  for (const id of sources.keys()) {
    for (const t of regionTokens(pu, id)) profTokens.set(t, [...(profTokens.get(t) ?? []), id]);
  }
  for (const [token, ids] of profTokens) {
    for (const id of compactIds(pu, ids, token)) allow.push({ kind: "profile", id, arn: profileArn(token, id) });
  }

  // Drop duplicates and ARNs a wildcard ARN already covers.
  const unique = [...new Map(allow.map((a) => [a.arn, a])).values()];
  const wild = unique.filter((a) => hasWildcard(a.arn));
  const kept = unique.filter((a) => !wild.some((b) => b.arn !== a.arn && subsumes(b, a)));

  // Model ARNs open only through profiles, merged the same way (where every known Region and
  // model matched is profile-only, so the conditional Deny never reaches a direct-use ARN).
  const viaProfiles = [
    ...new Set(index.grants.profileGrants.filter((g) => g.viaOnly).map((g) => g.profile.profileId)),
  ].sort(compareStrings);
  const vu: CompactionUniverse = {
    ...mu,
    allows: (id, region) => viaOnly.get(id)?.includes(region) ?? false,
  };
  const viaTokens = new Map<string, string[]>();
  for (const id of viaOnly.keys())
    for (const t of regionTokens(vu, id)) viaTokens.set(t, [...(viaTokens.get(t) ?? []), id]);
  const via: ViaArn[] = [];
  for (const [token, ids] of viaTokens)
    for (const id of compactIds(vu, ids, token)) {
      const profiles = viaProfiles.filter((p) => {
        const model = index.profilesById.get(p)?.modelId ?? "";
        return hasWildcard(id) ? glob(id, model) : id === model;
      });
      via.push({ id, arn: fmArn(token, id), profiles });
    }
  kept.sort((a, b) => compareStrings(a.arn, b.arn));
  via.sort((a, b) => compareStrings(a.arn, b.arn));
  return { allow: kept, via };
}
