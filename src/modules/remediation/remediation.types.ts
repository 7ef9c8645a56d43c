// Domain types of remediation: plans of exact AWS changes that close the drift between the
// catalog (desired state) and the organization, and the outcome of applying them.

export type PlanScope =
  | { kind: "organization" }
  | { kind: "ou"; id: string }
  | { kind: "account"; id: string; region?: string };

/** Where an SCP change lands: the root, an OU or an account. */
export interface ScpTargetRef {
  kind: "root" | "ou" | "account";
  id: string;
}

export type PlanChange =
  | {
      kind: "scp_create";
      /** Name of the new policy; later changes of the plan refer to it by name. */
      name: string;
      description: string;
      content: string;
      target: ScpTargetRef;
    }
  | {
      kind: "scp_update";
      policyId: string;
      name: string;
      previousName: string;
      description: string;
      /** Content the plan saw (apply refuses when the live policy differs) and the new content. */
      before: string;
      after: string;
      /** Unified diff of the pretty-printed JSON. */
      diff: string;
      target: ScpTargetRef;
    }
  | {
      kind: "scp_attach";
      /** An existing policy id, or the name of a policy created earlier in the plan. */
      policyId?: string;
      name: string;
      target: ScpTargetRef;
    }
  | { kind: "scp_detach"; policyId: string; name: string; target: ScpTargetRef }
  | { kind: "scp_delete"; policyId: string; name: string; before: string }
  | {
      kind: "agreement_create";
      accountId: string;
      region: string;
      modelId: string;
      offer: { offerId: string | null; offerToken: string; terms: string | null };
    }
  | {
      kind: "use_case_put";
      accountId: string;
      /** Regional endpoint the call goes to (the form applies to the whole account). */
      region: string;
      /** The models waiting for it, for the reviewer. */
      models: string[];
      form: Record<string, unknown>;
    }
  | {
      /** PutAccountDataRetention: the mode every catalog entry applying here allows. */
      kind: "retention_put";
      accountId: string;
      region: string;
      /** The mode the inventory saw (apply refuses when the live mode differs). */
      before: string;
      mode: string;
      entryIds: string[];
    }
  | {
      /**
       * From the management account (us-east-1): CreateGrant of the license to the account (or
       * the OU), then
       * CreateGrantVersion Status=ACTIVE, followed with GetGrant until ACTIVE; a grant that does
       * not become ACTIVE is deleted again.
       */
      kind: "license_grant_create";
      /** The receiving account; absent for a grant to an OU. */
      accountId?: string;
      /** A grant to this OU: every account in it receives the grant (one grant, not one per account). */
      scope?: { kind: "ou"; id: string };
      modelId: string;
      licenseArn: string;
      managementAccountId: string;
      grantName: string;
      entryIds: string[];
    }
  | {
      /** CreateGrantVersion Status=ACTIVE on a grant bedrock-governor made that is not active. */
      kind: "license_grant_activate";
      accountId?: string;
      scope?: { kind: "ou"; id: string };
      modelId: string;
      licenseArn: string;
      managementAccountId: string;
      grantArn: string;
      status: string;
    }
  | {
      /** DeleteGrant of a grant bedrock-governor made that no entry asks for any more (access ended). */
      kind: "license_grant_delete";
      accountId?: string;
      scope?: { kind: "ou"; id: string };
      licenseArn: string;
      managementAccountId: string;
      grantArn: string;
      grantName: string;
    };

export type PlanChangeKind = PlanChange["kind"];

/** Something the plan cannot do by itself, with the reason and what to do instead. */
export interface Unresolved {
  kind:
    | "foreign_scp_deny"
    | "scp_limit"
    | "use_case_form_required"
    | "offer_unavailable"
    | "region_unavailable"
    | "marketplace_permission"
    | "account_unreachable"
    | "management_account"
    | "entitlement_inactive"
    | "entitlement_grant"
    | "retention_mode";
  accountId?: string;
  region?: string;
  modelId?: string;
  targetId?: string;
  policyIds?: string[];
  reason: string;
}

export const PLAN_STATUSES = ["planned", "applying", "applied", "failed", "rolled_back"] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** Which plans a list shows; `{ status: "planned", hasChanges: true }` is the admin's queue. */
export interface PlanFilter {
  status?: PlanStatus;
  hasChanges?: boolean;
}

export interface ChangeResult {
  index: number;
  kind: PlanChangeKind;
  /**
   * skipped: not tried; not_applied: interrupted (its process was killed) before it landed;
   * rolled_back: it landed, but the recovery of an interrupted apply undid it (half of a pair).
   */
  status: "applied" | "failed" | "skipped" | "not_applied" | "rolled_back";
  /** Its outcome was read from AWS by the recovery of an interrupted apply. */
  recovered?: boolean;
  /** For scp_create: the id AWS gave the new policy. */
  policyId?: string;
  /** For license_grant_create: the ARN of the grant License Manager made. */
  grantArn?: string;
  error?: { gate: string; code: string | null; message: string };
}

export interface PlanInputs {
  /** The Anthropic use-case form to submit where it is missing (not a secret; company details). */
  useCaseForm?: Record<string, unknown>;
}

export interface RemediationPlan {
  id: string;
  scope: PlanScope;
  status: PlanStatus;
  fingerprint: string;
  changes: PlanChange[];
  unresolved: Unresolved[];
  inputs: PlanInputs;
  createdBy: string;
  createdAt: string;
  appliedBy: string | null;
  appliedAt: string | null;
  results: ChangeResult[] | null;
  syncRunIds: string[];
  /** Set when an admin applied the plan despite pre-flight breakages. */
  override: PlanOverride | null;
  /** Set when the plan was applied in stages. */
  rollout: RolloutReport | null;
}

/** An approved path a change would block (pre-flight), or did block (staged rollout). */
export interface Breakage {
  accountId: string;
  region: string;
  modelId: string;
  /** `direct`, a profile id, `mantle` or `claude_platform` (as findings name paths). */
  path: string;
  gate: string;
  reason: string;
  /** The SCPs (and statements) that deny; a policy the plan creates has the id `new:<name>`. */
  policies: { policyId: string; name: string | null; sid: string | null }[];
}

export interface ApplyOptions {
  /** Apply although pre-flight finds breakages; needs `reason`. */
  force?: boolean;
  reason?: string;
  /** Staged rollout: the changes under this OU or account first, verified, then the rest. */
  rollout?: { first: string };
}

export interface PlanOverride {
  by: string;
  reason: string;
  breakages: Breakage[];
}

export interface RolloutReport {
  first: string;
  /** Indexes of the changes applied in the first stage. */
  firstChanges: number[];
  /** verified: the first stage broke nothing and the rest was applied; stopped: it broke something. */
  status: "verified" | "stopped" | "failed";
  syncRunIds: string[];
  /** Approved paths blocked after the first stage that pre-flight did not expect. */
  breakages: Breakage[];
  message: string | null;
}
