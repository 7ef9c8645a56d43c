// A remediation change in words, as an admin reads it before applying.
import type { Plan, PlanChange } from "./policies-queries";

const target = (t: { kind: string; id: string }) =>
  `${t.kind === "root" ? "the root" : t.kind === "ou" ? "OU" : "account"} ${t.kind === "root" ? `(${t.id})` : t.id}`;

export function changeText(c: PlanChange): string {
  switch (c.kind) {
    case "scp_create":
      return `Create SCP ${c.name} (for ${target(c.target)})`;
    case "scp_update":
      return `Update SCP ${c.name} (${c.policyId}) on ${target(c.target)}`;
    case "scp_attach":
      return `Attach SCP ${c.name} to ${target(c.target)}`;
    case "scp_detach":
      return `Detach SCP ${c.name} (${c.policyId}) from ${target(c.target)}`;
    case "scp_delete":
      return `Delete SCP ${c.name} (${c.policyId})`;
    case "agreement_create":
      return `Accept the Marketplace agreement for ${c.modelId} in account ${c.accountId} (${c.region})`;
    case "use_case_put":
      return `Submit the Anthropic use-case form for account ${c.accountId} (${c.region}): ${c.models.join(", ")}`;
    case "retention_put":
      return `Set the data-retention mode of account ${c.accountId} (${c.region}) from ${c.before} to ${c.mode}`;
    case "license_grant_create":
      return `Grant license for ${c.modelId} to account ${c.accountId} (${c.grantName})`;
    case "license_grant_activate":
      return `Activate the license grant for ${c.modelId} in account ${c.accountId}`;
    case "license_grant_delete":
      return `Delete license grant ${c.grantName} of account ${c.accountId}`;
  }
}

export function scopeText(scope: Plan["scope"]): string {
  if (scope.kind === "organization") return "the organization";
  if (scope.kind === "ou") return `OU ${scope.id}`;
  return `account ${scope.id}${"region" in scope && scope.region ? ` in ${scope.region}` : ""}`;
}
