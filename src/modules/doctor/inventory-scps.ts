// The SCPs of an account as the last inventory sync saw them (the doctor's fallback when
// Organizations cannot be read), from the reachability facts.
import type { FactsRepository } from "../reachability/facts.repository.js";
import type { InventoryScps } from "./doctor.service.js";

export function inventoryScpsFrom(facts: FactsRepository): (accountId: string) => Promise<InventoryScps | undefined> {
  return async (accountId) => {
    const [account] = await facts.accounts([accountId]);
    if (account === undefined) return undefined;
    if (account.facts.management) return { management: true, levels: [] };
    const levels = account.facts.scps;
    return levels === undefined || levels.length === 0 ? undefined : { management: false, levels };
  };
}
