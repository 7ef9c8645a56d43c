// Which rule governs a request: most specific scope per account, strictest across accounts,
// provider and classification filters, automation only when every account's rule allows it.
import { describe, expect, it } from "vitest";
import type { Principal } from "../../src/kernel/principal.js";
import type { ApprovalRuleView } from "../../src/modules/requests/access-request.types.js";
import { DEFAULT_GOVERNING, governingRule, mayDecide } from "../../src/modules/requests/approval-rules.js";

const rule = (over: Partial<ApprovalRuleView> & Pick<ApprovalRuleView, "id" | "scope">): ApprovalRuleView => ({
  name: over.id,
  providerPattern: "*",
  dataClassifications: [],
  approverRole: "approver",
  approverGroup: null,
  requiredApprovals: 1,
  autoApprove: false,
  autoApply: false,
  provisionVia: "remediation",
  version: 1,
  createdAt: "2026-11-24T00:00:00.000Z",
  updatedAt: "2026-11-24T00:00:00.000Z",
  updatedBy: "admin",
  ...over,
});

const DEV = ["200000000002", "ou-workloads", "r-root"];
const PROD = ["300000000003", "ou-prod", "ou-workloads", "r-root"];

const rules = [
  rule({ id: "org", scope: { kind: "organization" }, autoApprove: true, autoApply: true }),
  rule({ id: "workloads", scope: { kind: "ou", id: "ou-workloads" }, autoApply: true }),
  rule({
    id: "prod",
    scope: { kind: "ou", id: "ou-prod" },
    requiredApprovals: 2,
    approverGroup: "prod-leads",
    approverRole: null,
  }),
  rule({
    id: "prod-confidential-anthropic",
    scope: { kind: "ou", id: "ou-prod" },
    providerPattern: "anthropic",
    dataClassifications: ["confidential"],
    requiredApprovals: 3,
  }),
  rule({
    id: "one-account",
    scope: { kind: "account", id: "200000000002" },
    providerPattern: "meta*",
    autoApprove: true,
  }),
];

describe("governingRule", () => {
  it("the nearest scope wins: account over OU over organization", () => {
    expect(governingRule(rules, [DEV], "Meta", "internal").ruleId).toBe("one-account");
    expect(governingRule(rules, [DEV], "Mistral AI", "internal").ruleId).toBe("workloads");
    expect(governingRule(rules, [PROD], "Mistral AI", "internal").ruleId).toBe("prod");
    expect(governingRule(rules, [["111111111111", "r-root"]], "Amazon", "public")).toMatchObject({
      ruleId: "org",
      autoApprove: true,
    });
  });

  it("among equally specific rules the stricter; provider and classification filter", () => {
    expect(governingRule(rules, [PROD], "Anthropic", "confidential")).toMatchObject({
      ruleId: "prod-confidential-anthropic",
      requiredApprovals: 3,
    });
    expect(governingRule(rules, [PROD], "Anthropic", "internal").ruleId).toBe("prod");
  });

  it("across accounts the strictest rule, and automation only when every account allows it", () => {
    const both = governingRule(rules, [DEV, PROD], "Meta", "internal");
    expect(both).toMatchObject({
      ruleId: "prod",
      requiredApprovals: 2,
      approverGroup: "prod-leads",
      autoApprove: false,
    });
    expect(both.autoApply).toBe(false);
  });

  it("a managed entitlement only when every account's governing rule asks for one", () => {
    const viaGrant = [
      rule({
        id: "ws",
        scope: { kind: "ou", id: "ou-workloads" },
        providerPattern: "cohere*",
        provisionVia: "managed_entitlement",
      }),
      rule({ id: "prod-any", scope: { kind: "ou", id: "ou-prod" }, providerPattern: "*" }),
    ];
    expect(governingRule(viaGrant, [DEV], "Cohere", "internal").provisionVia).toBe("managed_entitlement");
    // PROD's nearer OU rule provisions through remediation: the request spanning both does too.
    expect(governingRule(viaGrant, [PROD], "Cohere", "internal").provisionVia).toBe("remediation");
    expect(governingRule(viaGrant, [DEV, PROD], "Cohere", "internal").provisionVia).toBe("remediation");
    // An account no rule covers falls back to the default (remediation).
    expect(governingRule(viaGrant, [DEV, ["400000000004", "r-root"]], "Cohere", "internal").provisionVia).toBe(
      "remediation",
    );
  });

  it("no rule: one approval by the approver role, nothing automatic", () => {
    expect(governingRule([], [DEV], "Meta", "public")).toEqual(DEFAULT_GOVERNING);
  });
});

describe("mayDecide", () => {
  const p = (roles: Principal["roles"], groups: string[] = []): Principal => ({
    kind: "user",
    id: "u",
    name: "u",
    roles,
    groups,
  });
  it("by role or IdP group; admins always; requesters never", () => {
    expect(mayDecide(p(["approver"]), "approver", null)).toBe(true);
    expect(mayDecide(p(["requester"]), "approver", null)).toBe(false);
    expect(mayDecide(p(["approver"]), null, "prod-leads")).toBe(false);
    expect(mayDecide(p(["requester"], ["prod-leads"]), null, "prod-leads")).toBe(true);
    expect(mayDecide(p(["admin"]), null, "prod-leads")).toBe(true);
    expect(mayDecide(p(["approver"]), "admin", null)).toBe(false);
  });
});
