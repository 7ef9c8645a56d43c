// Bedrock ARNs as IAM sees them, and the wildcard matching IAM applies to them.
//
// The compiler targets the commercial `aws` partition (an organization lives in one partition;
// GovCloud and China organizations are separate).

/** Region field of the model ARN that global inference profiles call (`arn:aws:bedrock:::…`). */
import { wildcardMatch } from "../../lib/wildcard.js";
export const REGIONLESS = "";

/**
 * Region-field pattern for "every Region": `?*` needs at least one character, so unlike `*` it does
 * not match the Region-less ARN of global inference.
 */
export const ANY_REGION = "?*";

/** Region-field pattern for every Region and the Region-less ARN. */
export const ANY_REGION_OR_REGIONLESS = "*";

export const foundationModelArn = (region: string, modelId: string): string =>
  `arn:aws:bedrock:${region}::foundation-model/${modelId}`;

export const inferenceProfileArn = (region: string, account: string, profileId: string): string =>
  `arn:aws:bedrock:${region}:${account}:inference-profile/${profileId}`;

export const hasWildcard = (s: string): boolean => s.includes("*") || s.includes("?");

/** The characters before the first wildcard. */
export function literalPrefix(s: string): string {
  const i = s.search(/[*?]/);
  return i === -1 ? s : s.slice(0, i);
}

/** `anthropic` for `anthropic.claude-…` and `anthropic.*`; undefined when the provider part has a wildcard. */
export function providerOf(modelIdOrPattern: string): string | undefined {
  const dot = modelIdOrPattern.indexOf(".");
  if (dot <= 0) return undefined;
  const provider = modelIdOrPattern.slice(0, dot);
  return hasWildcard(provider) ? undefined : provider;
}

/** IAM wildcard match (case-sensitive, like ARNs). */
export function globMatch(pattern: string, value: string): boolean {
  return wildcardMatch(pattern, value);
}

/** Whether a Region-field pattern covers a Region (`""` is the Region-less field of global inference). */
export const regionMatches = (token: string, region: string): boolean => globMatch(token, region);

export const sortStrings = (values: Iterable<string>): string[] => [...new Set(values)].sort(compareStrings);

/** Code-unit order: deterministic across locales. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
