// Which catalog entries apply where: an entry's scope (organization, an OU on the account's
// lineage, or the account) and its Regions (listed, or its geography's).
import type { CatalogEntry } from "./catalog.types.js";
import { inGeography } from "./geography.js";

/** Does a catalog entry's scope cover the account (lineage: account, OUs…, root)? */
export function entryAppliesTo(entry: CatalogEntry, lineage: readonly string[]): boolean {
  switch (entry.scope.kind) {
    case "organization":
      return true;
    case "ou":
    case "account":
      return lineage.includes(entry.scope.id);
  }
}

/** Does the entry allow calls from this source Region (its Regions, geography, or anywhere)? */
export function entryAllowsRegion(entry: CatalogEntry, region: string): boolean {
  const geo = entry.geography;
  if (geo !== undefined && !inGeography(region, geo)) return false;
  return entry.regions === undefined || entry.regions.includes(region);
}
