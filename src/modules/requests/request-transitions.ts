// The one place a request changes state: checks the move is legal, writes it with the version
// seen, audits it (with what the compliance report reads) and writes the webhook deliveries, all
// in the caller's transaction.
import type { Tx } from "../../db/prisma.js";
import { ConflictError } from "../../kernel/errors.js";
import type { CallContext } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { AccessRequestRepository, RequestUpdate } from "./access-request.repository.js";
import {
  type AccessRequestStatus,
  type AccessRequestView,
  canTransition,
  type WebhookEventType,
} from "./access-request.types.js";
import type { WebhookService } from "./webhook.service.js";

/** Audit action of each target state (`access_request.<verb>`). */
const ACTION: Record<AccessRequestStatus, string> = {
  pending: "access_request.create",
  approved: "access_request.approve",
  rejected: "access_request.reject",
  cancelled: "access_request.cancel",
  expired: "access_request.expire",
  provisioning: "access_request.provision",
  active: "access_request.activate",
  failed: "access_request.fail",
  revoked: "access_request.revoke",
  ended: "access_request.end",
};

const EVENT: Record<AccessRequestStatus, WebhookEventType> = {
  pending: "access_request.created",
  approved: "access_request.approved",
  rejected: "access_request.rejected",
  cancelled: "access_request.cancelled",
  expired: "access_request.expired",
  provisioning: "access_request.provisioning",
  active: "access_request.active",
  failed: "access_request.failed",
  revoked: "access_request.revoked",
  ended: "access_request.ended",
};

export interface TransitionDetails {
  comment?: string | null;
  /** approve | reject, for decisions. */
  decision?: "approve" | "reject";
  approverId?: string;
  /** Why the system acted (the approval or expiry that caused it). */
  cause?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

/** The audit `after` the compliance report reads: who asked for what, who decided, how. */
export function decisionRecord(req: AccessRequestView, details: TransitionDetails = {}): Record<string, unknown> {
  return {
    requestId: req.id,
    status: req.status,
    accountIds: req.accountIds,
    regions: req.regions,
    model: req.modelId,
    target: req.target,
    profileId: req.profileId,
    provider: req.provider,
    dataClassification: req.dataClassification,
    requesterId: req.requesterId,
    decision: details.decision ?? null,
    approverId: details.approverId ?? null,
    approvals: req.approvals,
    requiredApprovals: req.requiredApprovals,
    ruleId: req.ruleId,
    comment: details.comment ?? null,
    ...(details.cause ? { cause: details.cause } : {}),
    ...(details.extra ?? {}),
  };
}

export function createTransitions(deps: {
  repo: AccessRequestRepository;
  audit: AuditService;
  webhooks: WebhookService;
  clock: Clock;
}) {
  const { repo, audit, webhooks, clock } = deps;

  /** Audits and notifies a request as it now is (after a write), returning delivery ids to dispatch. */
  async function record(
    ctx: CallContext,
    change: {
      before: AccessRequestView | undefined;
      after: AccessRequestView;
      details: TransitionDetails;
      action?: string;
    },
    tx: Tx,
  ): Promise<string[]> {
    const { before, after, details, action = ACTION[after.status] } = change;
    await audit.record(
      ctx,
      {
        action,
        targetType: "access_request",
        targetId: after.id,
        ...(before ? { before: { status: before.status, version: before.version, approvals: before.approvals } } : {}),
        after: decisionRecord(after, details),
      },
      tx,
    );
    if (before?.status === after.status) return [];
    return webhooks.emit(
      {
        type: EVENT[after.status],
        summary: `Access request for ${after.target} in ${after.accountIds.join(", ")} (${after.regions.join(", ")}) by ${after.requesterName}: ${after.status}${details.comment ? ` — ${details.comment}` : ""}`,
        data: {
          requestId: after.id,
          status: after.status,
          model: after.target,
          accountIds: after.accountIds,
          regions: after.regions,
          requesterId: after.requesterId,
          actorId: ctx.principal.id,
          comment: details.comment ?? null,
          approvals: after.approvals,
          requiredApprovals: after.requiredApprovals,
          ...(after.failure ? { failure: after.failure } : {}),
          ...(after.activeUntil ? { activeUntil: after.activeUntil } : {}),
        },
      },
      tx,
    );
  }

  return {
    record,

    /**
     * Moves a locked request to `to` (409 `ILLEGAL_TRANSITION` otherwise), applying `update`.
     * Returns the request as written and the webhook deliveries to dispatch after commit.
     */
    async move(
      ctx: CallContext,
      req: AccessRequestView,
      to: AccessRequestStatus,
      update: Omit<RequestUpdate, "status">,
      details: TransitionDetails,
      tx: Tx,
    ): Promise<{ request: AccessRequestView; deliveries: string[] }> {
      if (!canTransition(req.status, to))
        throw new ConflictError(
          `a ${req.status} request cannot become ${to}`,
          { currentStatus: req.status, requestId: req.id },
          "ILLEGAL_TRANSITION",
        );
      if (!(await repo.update(req.id, req.version, { ...update, status: to }, clock.now(), tx)))
        throw new ConflictError(`request ${req.id} changed meanwhile`, { requestId: req.id }, "STALE");
      const after = (await repo.find(req.id, tx)) as AccessRequestView;
      return { request: after, deliveries: await record(ctx, { before: req, after, details }, tx) };
    },
  };
}

export type Transitions = ReturnType<typeof createTransitions>;
