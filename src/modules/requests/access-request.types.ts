// Domain types of model-access requests, their grants, approval rules and webhooks.
import type { Role } from "../../kernel/principal.js";

export const ACCESS_REQUEST_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "cancelled",
  "expired",
  "provisioning",
  "active",
  "failed",
  "revoked",
  "ended",
] as const;
export type AccessRequestStatus = (typeof ACCESS_REQUEST_STATUSES)[number];

export const DATA_CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];

/** The only legal moves; anything else is 409 `ILLEGAL_TRANSITION`. */
export const TRANSITIONS: Readonly<Record<AccessRequestStatus, readonly AccessRequestStatus[]>> = {
  pending: ["approved", "rejected", "cancelled", "expired"],
  approved: ["provisioning"],
  provisioning: ["active", "failed"],
  active: ["revoked", "ended"],
  rejected: [],
  cancelled: [],
  expired: [],
  failed: [],
  revoked: [],
  ended: [],
};

export const canTransition = (from: AccessRequestStatus, to: AccessRequestStatus): boolean =>
  TRANSITIONS[from].includes(to);

export interface AccessDecisionView {
  approverId: string;
  approverName: string;
  /** The person behind the approver's credential. */
  approverPerson: string;
  decision: "approve" | "reject";
  comment: string | null;
  createdAt: string;
}

export interface AccessGrantView {
  id: string;
  requestId: string;
  accountId: string;
  region: string;
  modelId: string;
  profileId: string | null;
  owner: string;
  purpose: string;
  status: "active" | "ended";
  validFrom: string;
  expiresAt: string;
  endedAt: string | null;
  endReason: string | null;
  /** managed_entitlement: the account receives the model through a License Manager grant. */
  provisionVia: ProvisionVia;
}

/**
 * How provisioning gives access: `remediation` (SCP changes, agreements…, what the catalog asks
 * for) or `managed_entitlement` (a License Manager grant of the management account's license for
 * the model, distributed to the account, activated, and deleted when access ends).
 */
export const PROVISION_VIA = ["remediation", "managed_entitlement"] as const;
export type ProvisionVia = (typeof PROVISION_VIA)[number];

export interface BlockingGateView {
  accountId: string;
  region: string;
  gate: string;
  detail: string;
  /** The blocking policy, when the gate is a policy's and the engine names one. */
  policyId?: string;
  /** How the policy is named in the fix: `SCP p-… (name, attached to ou-…)`. */
  policy?: string;
}

/** The engine's pre-flight of one account × Region of a request, as it would be once approved. */
export interface PreflightVerdictView {
  accountId: string;
  region: string;
  /** opens_on_approval: blocked now only by bedrock-governor's own SCPs, which provisioning widens. */
  status: "usable" | "opens_on_approval" | "blocked" | "unknown";
  /** The gate that would still stop the call (null: usable). */
  gate: string | null;
  /** The blocking policy when the gate is a policy's (SCP, IAM, Bedrock policy). */
  policyId: string | null;
  /** bedrock-governor's SCPs provisioning would widen for this pair. */
  widens: string[];
  sentence: string;
}

export interface RequestPlan {
  accountId: string;
  region: string;
  planId: string;
  /** grant (provisioning) or reversal (grant ended). */
  purpose: "grant" | "reversal";
  changes: number;
  applied: boolean;
}

/** Provisioning that cannot go on by itself: who must act, what to do, on which plans. */
export interface RequestWaiting {
  since: string;
  /** When the wait was last announced again (the reminder); absent: not yet. */
  remindedAt?: string;
  for: "admin";
  action: "apply remediation plan";
  /** The plans to apply (then POST /v1/access-requests/{id}/verify). */
  plans: Array<{ planId: string; accountId: string; region: string; changes: number }>;
}

export interface AccessRequestView {
  id: string;
  requesterId: string;
  requesterName: string;
  /** The person behind the requester's credential (null: a service key); nobody decides their own. */
  requesterPerson: string | null;
  accountIds: string[];
  regions: string[];
  target: string;
  modelId: string;
  profileId: string | null;
  provider: string;
  purpose: string;
  dataClassification: DataClassification;
  durationHours: number;
  status: AccessRequestStatus;
  version: number;
  ruleId: string | null;
  requiredApprovals: number;
  approvals: number;
  approverRole: Role | null;
  approverGroup: string | null;
  autoApply: boolean;
  /** managed_entitlement when the governing rule of every account asks for it. */
  provisionVia: ProvisionVia;
  createdAt: string;
  updatedAt: string;
  pendingUntil: string;
  decidedAt: string | null;
  activatedAt: string | null;
  activeUntil: string | null;
  endedAt: string | null;
  failure: { gates: BlockingGateView[]; fix: string } | null;
  /** Set while provisioning waits for someone (an admin to apply plans); null otherwise. */
  waiting: RequestWaiting | null;
  plans: RequestPlan[];
  /** The pre-flight once approved (pending, approved, provisioning; null otherwise; absent: not read). */
  preflight?: PreflightVerdictView[] | null;
  decisions: AccessDecisionView[];
  grants: AccessGrantView[];
}

export interface NewAccessRequest {
  accountIds: string[];
  regions: string[];
  /** Model id or inference profile id. */
  model: string;
  purpose: string;
  dataClassification: DataClassification;
  durationHours: number;
}

export interface AccessRequestFilter {
  status?: AccessRequestStatus;
  /** Only the caller's own requests. */
  mine?: boolean;
  accountId?: string;
}

export type ApprovalScope = { kind: "organization" } | { kind: "ou"; id: string } | { kind: "account"; id: string };

export interface ApprovalRuleInput {
  name: string;
  scope: ApprovalScope;
  providerPattern: string;
  dataClassifications: DataClassification[];
  approverRole: Role | null;
  approverGroup: string | null;
  requiredApprovals: number;
  autoApprove: boolean;
  autoApply: boolean;
  /** managed_entitlement: requests this rule governs are provisioned through a License Manager grant. */
  provisionVia: ProvisionVia;
}

export interface ApprovalRuleView extends ApprovalRuleInput {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export const WEBHOOK_EVENT_TYPES = [
  "access_request.created",
  "access_request.approved",
  "access_request.rejected",
  "access_request.cancelled",
  "access_request.expired",
  "access_request.provisioning",
  "access_request.awaiting_apply",
  "access_request.active",
  "access_request.failed",
  "access_request.revoked",
  "access_request.ended",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookInput {
  name: string;
  url: string;
  eventTypes: string[];
  format: "json" | "slack";
  active: boolean;
}

export interface WebhookView extends WebhookInput {
  id: string;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface WebhookDeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}
