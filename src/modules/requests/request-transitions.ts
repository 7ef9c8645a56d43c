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
  type RequestWaiting,
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
  /** The person behind the approver's credential (separation of duties compares persons). */
  approverPerson?: string;
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
    requesterPerson: req.requesterPerson,
    decision: details.decision ?? null,
    approverId: details.approverId ?? null,
    ...(details.approverPerson !== undefined ? { approverPerson: details.approverPerson } : {}),
    approvals: req.approvals,
    requiredApprovals: req.requiredApprovals,
    ruleId: req.ruleId,
    comment: details.comment ?? null,
    ...(details.cause ? { cause: details.cause } : {}),
    ...(details.extra ?? {}),
  };
}

/** How notifications name a request: target, accounts, Regions and requester. */
const subject = (r: AccessRequestView) =>
  `Access request for ${r.target} in ${r.accountIds.join(", ")} (${r.regions.join(", ")}) by ${r.requesterName}`;

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
        summary: `${subject(after)}: ${after.status}${details.comment ? ` — ${details.comment}` : ""}`,
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

  /** Sets (or clears) what a request waits for, as of the version read, and audits it as `action`. */
  async function setWaiting(
    ctx: CallContext,
    req: AccessRequestView,
    waiting: RequestWaiting | null,
    action: string,
    extra: Record<string, unknown>,
    tx: Tx,
  ): Promise<AccessRequestView> {
    if (!(await repo.update(req.id, req.version, { waiting }, clock.now(), tx)))
      throw new ConflictError(`request ${req.id} changed meanwhile`, { requestId: req.id }, "STALE");
    const after = (await repo.find(req.id, tx)) as AccessRequestView;
    await audit.record(
      ctx,
      {
        action,
        targetType: "access_request",
        targetId: after.id,
        before: { status: req.status, version: req.version, waiting: req.waiting },
        after: decisionRecord(after, { extra }),
      },
      tx,
    );
    return after;
  }

  function announceWait(
    ctx: CallContext,
    after: AccessRequestView,
    waiting: RequestWaiting,
    reminder: boolean,
    tx: Tx,
  ) {
    const { plans } = waiting;
    return webhooks.emit(
      {
        type: "access_request.awaiting_apply",
        summary: `${reminder ? `Reminder: since ${waiting.since}, ` : ""}${subject(after)} waits for an admin to apply ${plans.length} remediation plan(s): ${plans.map((p) => p.planId).join(", ")}`,
        data: {
          requestId: after.id,
          status: after.status,
          model: after.target,
          accountIds: after.accountIds,
          regions: after.regions,
          requesterId: after.requesterId,
          actorId: ctx.principal.id,
          reminder,
          waiting,
        },
      },
      tx,
    );
  }

  return {
    record,

    /**
     * Audits a decision refused because the decider filed the request or is the person behind it
     * (separation of duties): the compliance report counts these attempts.
     */
    async selfDecisionRefused(ctx: CallContext, req: AccessRequestView, decision: "approve" | "reject", tx: Tx) {
      await audit.record(
        ctx,
        {
          action: "access_request.self_decision_refused",
          targetType: "access_request",
          targetId: req.id,
          after: decisionRecord(req, { decision, approverId: ctx.principal.id, extra: { refused: true } }),
        },
        tx,
      );
    },

    /**
     * Marks a provisioning request as waiting for an admin to apply `plans` (audited as
     * `access_request.await_apply`, webhook `access_request.awaiting_apply`). Not a status change:
     * the request stays `provisioning` until verification decides active or failed.
     */
    async wait(
      ctx: CallContext,
      req: AccessRequestView,
      plans: RequestWaiting["plans"],
      tx: Tx,
    ): Promise<{ request: AccessRequestView; deliveries: string[] }> {
      if (req.status !== "provisioning")
        throw new ConflictError(
          `a ${req.status} request cannot wait for an admin`,
          { currentStatus: req.status, requestId: req.id },
          "ILLEGAL_TRANSITION",
        );
      const waiting: RequestWaiting = {
        since: req.waiting?.since ?? clock.now().toISOString(),
        for: "admin",
        action: "apply remediation plan",
        plans,
      };
      const after = await setWaiting(ctx, req, waiting, "access_request.await_apply", { waiting }, tx);
      return { request: after, deliveries: await announceWait(ctx, after, waiting, false, tx) };
    },

    /**
     * Announces a wait again (the sweep's reminder): the same `access_request.awaiting_apply`
     * event, so whoever listens for waits hears the reminder too, with `reminder: true`; audited
     * as `access_request.await_apply_reminder`.
     */
    async remind(
      ctx: CallContext,
      req: AccessRequestView,
      at: Date,
      tx: Tx,
    ): Promise<{ request: AccessRequestView; deliveries: string[] } | undefined> {
      if (req.status !== "provisioning" || !req.waiting) return undefined;
      const waiting: RequestWaiting = { ...req.waiting, remindedAt: at.toISOString() };
      const after = await setWaiting(ctx, req, waiting, "access_request.await_apply_reminder", { waiting }, tx);
      return { request: after, deliveries: await announceWait(ctx, after, waiting, true, tx) };
    },

    /** An admin resumed a waiting request (verify after applying): it no longer waits (audited). */
    async resume(ctx: CallContext, req: AccessRequestView, tx: Tx): Promise<AccessRequestView> {
      if (!req.waiting) return req;
      return setWaiting(ctx, req, null, "access_request.resume", { waitedSince: req.waiting.since }, tx);
    },

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
      // Leaving provisioning ends any wait for an admin.
      const clear = req.waiting && to !== req.status ? { waiting: null } : {};
      if (!(await repo.update(req.id, req.version, { ...update, ...clear, status: to }, clock.now(), tx)))
        throw new ConflictError(`request ${req.id} changed meanwhile`, { requestId: req.id }, "STALE");
      const after = (await repo.find(req.id, tx)) as AccessRequestView;
      return { request: after, deliveries: await record(ctx, { before: req, after, details }, tx) };
    },
  };
}

export type Transitions = ReturnType<typeof createTransitions>;
