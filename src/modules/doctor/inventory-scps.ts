// The SCPs of an account as the last inventory sync saw them, read through reconciliation's
// inventory view (one reader of the inventory's policy tables).
import type { ReconcileInputRepository } from "../reconcile/reconcile-input.repository.js";
import type { InventoryScps } from "./doctor.service.js";

export function inventoryScpsFrom(
  inputs: ReconcileInputRepository,
): (accountId: string) => Promise<InventoryScps | undefined> {
  return async (accountId) => {
    const known = await inputs.load([accountId]);
    const account = known.accounts[0];
    if (account === undefined) return undefined;
    if (account.management) return { management: true, levels: [] };
    const levels = known.scps.get(accountId);
    return levels === undefined ? undefined : { management: false, levels };
  };
}
