// What changed in the organization and in one account-Region: the rows to write and the history
// rows, computed in memory from the current state and a fresh snapshot. Pure; the state service
// reads the current state and writes the result in one transaction.
import { diffRecord, diffSet, type SetDiff } from "./diff.js";
import type {
  AccountRegionCurrent,
  AccountRegionSnapshot,
  AccountSnapshot,
  ChangeRow,
  InferenceProfileRow,
  ModelAccessRow,
  OrgCurrent,
  OrgNodeSnapshot,
  OrgSnapshot,
  PolicyAttachment,
  PolicyRecord,
} from "./inventory.types.js";

export interface AccountRegionDiff {
  models: SetDiff<ModelAccessRow>;
  profiles: SetDiff<InferenceProfileRow>;
  /** Every history row: models, profiles, settings and the account's use case. */
  changes: ChangeRow[];
}

export function diffAccountRegion(
  current: AccountRegionCurrent,
  snapshot: AccountRegionSnapshot,
  accountId: string,
  region: string,
): AccountRegionDiff {
  const ctx = { accountId, region };
  const models = diffSet(current.models, snapshot.models, "modelId", { entity: "model", ...ctx });
  const profiles = diffSet(current.profiles, snapshot.profiles, "profileId", { entity: "profile", ...ctx });
  const settings = diffRecord(current.settings, snapshot.settings, { entity: "account_region", ...ctx, subject: null });
  const useCase: ChangeRow[] =
    snapshot.useCaseSubmitted !== undefined && current.useCaseSubmitted !== snapshot.useCaseSubmitted
      ? [
          {
            entity: "use_case",
            accountId,
            region: null,
            subject: "anthropic",
            change: "submitted",
            oldValue: current.useCaseSubmitted,
            newValue: snapshot.useCaseSubmitted,
          },
        ]
      : [];
  return { models, profiles, changes: [...models.changes, ...profiles.changes, ...settings, ...useCase] };
}

export interface OrgDiff {
  nodes: SetDiff<OrgNodeSnapshot>;
  accounts: SetDiff<AccountSnapshot>;
  policies: SetDiff<PolicyRecord>;
  attachments: SetDiff<PolicyAttachment>;
  changes: ChangeRow[];
  /** Accounts seen for the first time (or back after leaving). */
  newAccounts: string[];
}

export function diffOrganization(current: OrgCurrent, snapshot: OrgSnapshot): OrgDiff {
  const ctx = { accountId: null, region: null };
  const nodes = diffSet(current.nodes, snapshot.nodes, "id", { entity: "ou", ...ctx });
  const accounts = diffSet(current.accounts, snapshot.accounts, "id", { entity: "account", ...ctx });
  const policies = diffSet<PolicyRecord>(
    current.policies,
    snapshot.policies.map(({ targets: _t, ...p }) => p),
    "id",
    { entity: "policy", ...ctx },
  );
  const attachments = diffSet(
    current.attachments,
    snapshot.policies.flatMap((p) => p.targets.map((t) => ({ key: `${p.id}|${t}`, policyId: p.id, targetId: t }))),
    "key",
    { entity: "attachment", ...ctx },
  );
  // Account history rows carry the account id, so per-account history finds moves.
  for (const c of accounts.changes) c.accountId = c.subject;
  const changes = [...nodes.changes, ...accounts.changes, ...policies.changes, ...attachments.changes];
  for (const c of changes) if (c.change === "removed" && c.entity === "account") c.change = "left";
  const newAccounts = accounts.changes.filter((c) => c.change === "added").map((c) => c.subject as string);
  return { nodes, accounts, policies, attachments, changes, newAccounts };
}

/**
 * The snapshot with what the inventory already holds of the policy types the discovery could not
 * read, so that an unreadable type is not mistaken for one whose policies were all removed.
 */
export function keepUnreadable(current: OrgCurrent, snapshot: OrgSnapshot): OrgSnapshot {
  const types = new Set((snapshot.unreadablePolicyTypes ?? []).map((u) => u.type));
  if (types.size === 0) return snapshot;
  const kept = current.policies
    .filter((p) => types.has(p.type))
    .map((p) => ({
      ...p,
      targets: current.attachments
        .filter((a) => a.policyId === p.id)
        .map((a) => a.targetId)
        .sort(),
    }));
  return { ...snapshot, policies: [...snapshot.policies.filter((p) => !types.has(p.type)), ...kept] };
}
