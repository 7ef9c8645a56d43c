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
    | "retention_mode";
  accountId?: string;
  region?: string;
  modelId?: string;
  targetId?: string;
  policyIds?: string[];
  reason: string;
}

export const PLAN_STATUSES = ["planned", "applying", "applied", "failed"] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export interface ChangeResult {
  index: number;
  kind: PlanChangeKind;
  status: "applied" | "failed" | "skipped";
  /** For scp_create: the id AWS gave the new policy. */
  policyId?: string;
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
}
