// Which approval rule governs a request, and who may decide it. The most specific rule covering an
// account wins (account, then the nearest OU, then the organization); among equally specific rules
// the stricter one (more approvals). A request spanning accounts takes the strictest of theirs.

import { hasRole, type Principal, type Role } from "../../kernel/principal.js";
import { globMatch, hasWildcard } from "../catalog/arns.js";
import type { ApprovalRuleView, DataClassification, ProvisionVia } from "./access-request.types.js";

export interface Governing {
  ruleId: string | null;
  requiredApprovals: number;
  approverRole: Role | null;
  approverGroup: string | null;
  autoApprove: boolean;
  autoApply: boolean;
  provisionVia: ProvisionVia;
}

/** No rule covers the request: one approver (role approver), an admin applies the plan. */
export const DEFAULT_GOVERNING: Governing = {
  ruleId: null,
  requiredApprovals: 1,
  approverRole: "approver",
  approverGroup: null,
  autoApprove: false,
  autoApply: false,
  provisionVia: "remediation",
};

const providerMatches = (pattern: string, provider: string) => {
  const p = pattern.toLowerCase();
  const v = provider.toLowerCase();
  return hasWildcard(p) ? globMatch(p, v) : p === v;
};

/** How specific a rule is for an account (higher wins), or -1 when it does not cover it. */
function specificity(rule: ApprovalRuleView, lineage: readonly string[]): number {
  switch (rule.scope.kind) {
    case "organization":
      return 0;
    case "account":
      return rule.scope.id === lineage[0] ? 10_000 : -1;
    case "ou": {
      const at = lineage.indexOf(rule.scope.id);
      // Nearer OUs (smaller index) are more specific.
      return at > 0 ? 1_000 - at : -1;
    }
  }
}

function ruleFor(
  rules: readonly ApprovalRuleView[],
  lineage: readonly string[],
  provider: string,
  classification: DataClassification,
): ApprovalRuleView | undefined {
  let best: { rule: ApprovalRuleView; score: number } | undefined;
  for (const rule of rules) {
    if (!providerMatches(rule.providerPattern, provider)) continue;
    if (rule.dataClassifications.length > 0 && !rule.dataClassifications.includes(classification)) continue;
    const score = specificity(rule, lineage);
    if (score < 0) continue;
    if (!best || score > best.score || (score === best.score && rule.requiredApprovals > best.rule.requiredApprovals))
      best = { rule, score };
  }
  return best?.rule;
}

export function governingRule(
  rules: readonly ApprovalRuleView[],
  lineages: ReadonlyArray<readonly string[]>,
  provider: string,
  classification: DataClassification,
): Governing {
  const matched = lineages.map((l) => ruleFor(rules, l, provider, classification));
  const found = matched.filter((r): r is ApprovalRuleView => r !== undefined);
  // An account without a rule falls back to the default; mixing it in keeps the strictest answer.
  const candidates: Governing[] = found.map((r) => ({
    ruleId: r.id,
    requiredApprovals: r.requiredApprovals,
    approverRole: r.approverRole,
    approverGroup: r.approverGroup,
    autoApprove: r.autoApprove,
    autoApply: r.autoApply,
    provisionVia: r.provisionVia,
  }));
  if (found.length < matched.length || candidates.length === 0) candidates.push(DEFAULT_GOVERNING);
  const strictest = candidates.reduce((a, b) => (b.requiredApprovals > a.requiredApprovals ? b : a));
  return {
    ...strictest,
    // Automation only when every account's rule allows it.
    autoApprove: candidates.every((c) => c.autoApprove),
    autoApply: candidates.every((c) => c.autoApply),
    // A managed entitlement only when every account's rule asks for one (as automation above).
    provisionVia: candidates.every((c) => c.provisionVia === "managed_entitlement")
      ? "managed_entitlement"
      : "remediation",
  };
}

/** May this principal decide requests governed by role/group (not looking at who filed them)? */
export function mayDecide(principal: Principal, approverRole: Role | null, approverGroup: string | null): boolean {
  // The platform team (admin) may always decide; separation of duties is checked separately.
  if (hasRole(principal, "admin")) return true;
  if (approverGroup !== null && principal.groups.includes(approverGroup)) return true;
  if (approverRole !== null && hasRole(principal, approverRole) && hasRole(principal, "approver")) return true;
  return false;
}
