// What a report's scope covers: its accounts (undefined: the whole organization) and the ids that
// catalog entries may be scoped to (the scope's lineage, what lies below it, its accounts).
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { ReportScope } from "./reports.types.js";

/** undefined when the OU or account is not in the inventory. */
export async function resolveScope(
  scope: ReportScope,
  repo: ReportsRepository,
  facts: PolicyFactsRepository,
): Promise<{ accountIds?: string[]; scopeIds?: Set<string> } | undefined> {
  if (scope.kind === "organization") return {};
  if (scope.kind === "account") {
    if (!(await repo.accountExists(scope.id))) return undefined;
    return { accountIds: [scope.id], scopeIds: new Set((await facts.lineage(scope.id)) ?? [scope.id]) };
  }
  const accountIds = await repo.accountsUnder(scope.id);
  if (accountIds === undefined) return undefined;
  const [lineage, below] = await Promise.all([facts.lineage(scope.id), facts.descendants(scope.id)]);
  return { accountIds, scopeIds: new Set([...(lineage ?? [scope.id]), ...below, ...accountIds]) };
}
