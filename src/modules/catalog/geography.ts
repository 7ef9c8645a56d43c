// Region → geography table for data-residency entries (`geography: "EU"`).
//
// Geographies follow AWS's Region naming, which is also how Bedrock groups its cross-Region
// inference profiles (`us.`, `eu.`, `apac.`, `ca.`, `jp.`, `au.`…): "EU" means the `eu-*` Regions
// (London and Zurich included), not the legal European Union. A Region belongs to every geography
// whose row matches it, so Tokyo is in both APAC and JP. Regions with no row (me-*, af-*, il-*,
// mx-*, cn-*) belong to no geography and never satisfy a residency constraint.
import type { Geography } from "./catalog.types.js";

interface GeographyRow {
  geography: Geography;
  /** Region names or `prefix-*` patterns, as they may appear in an ARN's Region field. */
  patterns: readonly string[];
  /** Patterns that look like members but are not (GovCloud Regions are named `us-gov-*`). */
  except?: readonly string[];
}

export const GEOGRAPHY_TABLE: readonly GeographyRow[] = [
  { geography: "US", patterns: ["us-*"], except: ["us-gov-*"] },
  { geography: "GOV", patterns: ["us-gov-*"] },
  { geography: "EU", patterns: ["eu-*"] },
  { geography: "APAC", patterns: ["ap-*"] },
  // Japan: Tokyo and Osaka. Australia: Sydney and Melbourne.
  { geography: "JP", patterns: ["ap-northeast-1", "ap-northeast-3"] },
  { geography: "AU", patterns: ["ap-southeast-2", "ap-southeast-4"] },
  { geography: "CA", patterns: ["ca-*"] },
  { geography: "SA", patterns: ["sa-*"] },
];

const matches = (pattern: string, region: string): boolean =>
  pattern.endsWith("*") ? region.startsWith(pattern.slice(0, -1)) : region === pattern;

/** Geographies a Region belongs to (empty for Regions outside every row). */
export function geographiesOf(region: string): Geography[] {
  return GEOGRAPHY_TABLE.filter(
    (row) => row.patterns.some((p) => matches(p, region)) && !(row.except ?? []).some((p) => matches(p, region)),
  ).map((row) => row.geography);
}

export function inGeography(region: string, geography: Geography): boolean {
  return geographiesOf(region).includes(geography);
}

/**
 * ARN Region-field patterns covering a geography, for entries whose models the inventory does not
 * list. US is spelled `us-east-*`/`us-west-*` so that no GovCloud Region could ever match.
 */
export function geographyRegionPatterns(geography: Geography): string[] {
  if (geography === "US") return ["us-east-*", "us-west-*"];
  const row = GEOGRAPHY_TABLE.find((r) => r.geography === geography);
  return row === undefined ? [] : [...row.patterns];
}
