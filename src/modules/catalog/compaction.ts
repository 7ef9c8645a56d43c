// Shortening allow-lists without widening them: Region fields merge into `?*` or `eu-*` and model
// ids into family wildcards only when every Region and every model the wildcard matches, as far as
// the inventory knows, is allowed anyway. (A model or Region launched later can then match before
// the next compile; reconciliation recompiles whenever the inventory changes.)
import { ANY_REGION, ANY_REGION_OR_REGIONLESS, compareStrings, globMatch, REGIONLESS } from "./arns.js";

/** What the compactor may assume about the ids it shortens. */
export interface CompactionUniverse {
  /** Every id the inventory knows, sorted (code-unit order). */
  ids: readonly string[];
  /** Regions where an id exists (never REGIONLESS). */
  regionsOf(id: string): ReadonlySet<string>;
  /** Whether (id, Region) is allowed; Region may be REGIONLESS. */
  allows(id: string, region: string): boolean;
  /** Shortest prefix a family wildcard may have (e.g. through the provider's dot). */
  minPrefixLength(id: string): number;
  /** Token that means "every Region" (and, for model ARNs, REGIONLESS-including `*`). */
  allRegionsToken(regionless: boolean): string;
}

const family = (region: string): string => region.replace(/-[a-z]+-\d+$/, "");

/**
 * Region-field tokens covering exactly the allowed Regions of a known id (as far as the inventory
 * knows): `?*`/`*` when all of them are allowed, `eu-*` for a whole family of two or more, exact
 * Regions otherwise, and REGIONLESS for global inference.
 */
export function regionTokens(u: CompactionUniverse, id: string): string[] {
  const all = [...u.regionsOf(id)];
  const allowed = new Set(all.filter((r) => u.allows(id, r)));
  const regionless = u.allows(id, REGIONLESS);
  if (allowed.size > 0 && allowed.size === all.length) return [u.allRegionsToken(regionless)];
  const tokens: string[] = [];
  const left = new Set(allowed);
  for (const fam of new Set([...allowed].map(family))) {
    const token = `${fam}-*`;
    const members = all.filter((r) => globMatch(token, r));
    if (members.length >= 2 && members.every((r) => allowed.has(r))) {
      tokens.push(token);
      for (const r of members) left.delete(r);
    }
  }
  tokens.push(...left);
  if (regionless) tokens.push(REGIONLESS);
  return tokens.sort(compareStrings);
}

/** Strictly: the token matches at least one Region of the id, and the id is allowed in all of them. */
export function covers(u: CompactionUniverse, id: string, token: string): boolean {
  if (token === REGIONLESS) return u.allows(id, REGIONLESS);
  if (token === ANY_REGION_OR_REGIONLESS && !u.allows(id, REGIONLESS)) return false;
  const pattern = token === ANY_REGION_OR_REGIONLESS ? ANY_REGION : token;
  const matched = [...u.regionsOf(id)].filter((r) => globMatch(pattern, r));
  return matched.length > 0 && matched.every((r) => u.allows(id, r));
}

const SEPARATORS = new Set([".", "-", ":"]);

/** Index of the first id ≥ prefix in a sorted list. */
function lowerBound(sorted: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function withPrefix(sorted: readonly string[], prefix: string): string[] {
  const out: string[] = [];
  for (let i = lowerBound(sorted, prefix); i < sorted.length && (sorted[i] as string).startsWith(prefix); i++)
    out.push(sorted[i] as string);
  return out;
}

/**
 * Replaces known ids that share a Region token by family wildcards (`anthropic.claude-*`) where the
 * wildcard covers two or more of them and every known id it matches is covered by the token.
 * Returns ids and `prefix*` patterns, sorted.
 */
export function compactIds(u: CompactionUniverse, ids: readonly string[], token: string): string[] {
  const sorted = [...new Set(ids)].sort(compareStrings);
  const memo = new Map<string, boolean>();
  const covered = (id: string) => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const v = covers(u, id, token);
    memo.set(id, v);
    return v;
  };
  const out: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const id = sorted[i] as string;
    let chosen: string | undefined;
    for (let end = u.minPrefixLength(id); end < id.length && chosen === undefined; end++) {
      if (!SEPARATORS.has(id[end - 1] as string)) continue;
      const prefix = id.slice(0, end);
      if (withPrefix(sorted, prefix).length < 2) break; // longer prefixes match no more of ours
      if (withPrefix(u.ids, prefix).every(covered)) chosen = prefix;
    }
    if (chosen === undefined) {
      out.push(id);
      i++;
    } else {
      out.push(`${chosen}*`);
      while (i < sorted.length && (sorted[i] as string).startsWith(chosen)) i++;
    }
  }
  return out;
}
