// Remediation with AWS's own access primitives: the account-Region data-retention mode the catalog
// pins (PutAccountDataRetention [doc "Data retention"]). Managed-entitlement grants: grant-plan.ts.
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { entryAllowsRegion, entryAppliesTo } from "../catalog/catalog-scope.js";
import { settableRetentionModes } from "../catalog/scp-surfaces.js";
import type { AccountInventory } from "../reachability/reachability.types.js";
import type { PlanChange, Unresolved } from "./remediation.types.js";

/**
 * A retention change where the catalog pins the mode for an account-Region: the entries applying
 * there are grouped by model; a model is pinned when every entry for it pins modes (one entry
 * allowing any mode leaves it free), and the current mode must be one its entries allow. Where a
 * pinned model's modes do not include the current mode, the new mode is the first of
 * ACCOUNT_RETENTION_MODES (the preference order) every pinned model allows; none → unresolved (the pins conflict).
 */
export function planRetention(
  accounts: readonly AccountInventory[],
  entries: readonly CatalogEntry[],
  region: string | undefined,
): { changes: PlanChange[]; unresolved: Unresolved[] } {
  const changes: PlanChange[] = [];
  const unresolved: Unresolved[] = [];
  for (const a of accounts) {
    if (!a.facts.active) continue;
    for (const [r, rf] of [...a.facts.regions].sort(([x], [y]) => x.localeCompare(y))) {
      if (region !== undefined && r !== region) continue;
      const byModel = new Map<string, CatalogEntry[]>();
      for (const e of entries)
        if (entryAppliesTo(e, a.lineage) && entryAllowsRegion(e, r))
          byModel.set(e.model, [...(byModel.get(e.model) ?? []), e]);
      const pinned = [...byModel.values()].filter((group) => group.every((e) => e.retentionModes !== undefined));
      if (pinned.length === 0 || !rf.dataRetention.known) continue;
      const current = rf.dataRetention.value;
      // The same rule the SCP pin compiles (scp-surfaces.ts), so the mode set here is one it allows.
      const settable = settableRetentionModes([...byModel.values()].flat());
      if (settable.includes(current)) continue;
      const mode = settable[0];
      const entryIds = pinned
        .flat()
        .map((e) => e.id)
        .sort();
      if (mode === undefined) {
        unresolved.push({
          kind: "retention_mode",
          accountId: a.facts.accountId,
          region: r,
          reason: `entries ${entryIds.join(", ")} pin retention modes no single settable mode satisfies; the mode stays ${current}`,
        });
        continue;
      }
      changes.push({ kind: "retention_put", accountId: a.facts.accountId, region: r, before: current, mode, entryIds });
    }
  }
  return { changes, unresolved };
}
