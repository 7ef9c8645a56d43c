// Which Regions an account is synced in: the nearest override (the account's own, then each
// ancestor OU's, then the root's), else the default list.

/** Commercial Regions where Bedrock is most used; INVENTORY_REGIONS or per-OU scopes override. */
export const DEFAULT_INVENTORY_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"];

export function effectiveRegions(
  account: { id: string; parentId: string | null },
  scopes: Map<string, string[]>,
  parents: Map<string, string | null>,
  defaults: string[],
): string[] {
  let at: string | null = account.id;
  const seen = new Set<string>();
  while (at && !seen.has(at)) {
    seen.add(at);
    const override = scopes.get(at);
    if (override) return override;
    at = at === account.id ? account.parentId : (parents.get(at) ?? null);
  }
  return defaults;
}
