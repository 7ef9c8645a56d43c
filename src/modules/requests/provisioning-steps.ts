// The steps of provisioning an access request, shared by its jobs (provision, verify, reverse,
// sweep) and its use cases (revoke, verify now): plan and apply the remediation of each
// account-Region, re-sync to verify, fail with the blocking gates, end a grant. The system acts
// here, and every audit event names the request (and the approvals) that caused it.
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { NotFoundError, PreconditionFailedError } from "../../kernel/errors.js";
import { type CallContext, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { SyncRunView } from "../inventory/inventory.types.js";
import type { SyncRequest } from "../inventory/sync.service.js";
import type { Finding, FindingFilter } from "../reconcile/reconcile.types.js";
import type { RemediationPlan } from "../remediation/remediation.types.js";
import type { AccessRequestRepository } from "./access-request.repository.js";
import type { AccessRequestView, BlockingGateView, RequestPlan } from "./access-request.types.js";
import type { PreflightPort } from "./request-filing.js";
import type { RequestInventoryRepository } from "./request-inventory.repository.js";
import { createRequestPreflight } from "./request-preflight.js";
import type { Transitions } from "./request-transitions.js";
import type { WebhookService } from "./webhook.service.js";

/** What provisioning needs of remediation (the remediation service satisfies it). */
export interface RemediationPort {
  createPlan(ctx: CallContext, scope: { kind: "account"; id: string; region?: string }): Promise<RemediationPlan>;
  apply(ctx: CallContext, planId: string): Promise<RemediationPlan>;
}

export interface SyncPort {
  requestSync(ctx: CallContext, req: SyncRequest, trigger: "access_request"): Promise<SyncRunView>;
  getRun(ctx: CallContext, id: string): Promise<SyncRunView>;
}

export interface ReconcilePort {
  reconcileNow(ctx: CallContext, job: { accountIds?: string[] }): Promise<unknown>;
  list(ctx: CallContext, filter: FindingFilter, page: { limit: number }): Promise<{ items: Finding[] }>;
}

export interface ProvisioningSettings {
  /** Cron of the sweep (expiry of pending requests and of grants). */
  sweepCron: string | undefined;
  /** How often verification looks whether the re-sync finished, and how many times. */
  verifyPollSeconds: number;
  verifyMaxPolls: number;
}

export interface WaitingSettings {
  /** A request waiting for an admin is announced again this often (hours). */
  reminderHours: number;
  /** After this long waiting, the request fails (hours; 0: never). */
  timeoutHours: number;
}

/** Verification of a provisioned request: the sync runs to wait for, and which poll this is. */
export interface VerifyPayload {
  requestId: string;
  runIds: string[];
  attempt: number;
  /** 0: after provisioning; 1: after a second plan made on the verifying sync's fresh facts. */
  round?: number;
}

/** The provisioning jobs the steps start (provisioning.jobs.ts puts them on the queue). */
export interface ProvisioningQueue {
  provision(requestId: string): Promise<void>;
  verify(payload: VerifyPayload): Promise<void>;
  reverse(requestId: string): Promise<void>;
}

/** How to fix each gate, for a failed request. */
const FIXES: Record<string, string> = {
  region:
    "the model is not offered in that Region (or only through an inference profile); pick a Region or profile where it is",
  lifecycle: "the model reached its end of life; request its successor",
  bedrock_policy: "the organization's Bedrock policy names a malformed guardrail; the platform team must fix it",
  org_policy: "an SCP still denies the model: change or detach the SCP named in the plan, then file again",
  iam: "the calling role's identity policies do not allow the model",
  entitlement: "the managed-entitlement grant is not active: accept or activate it, then file again",
  marketplace:
    "the first call cannot subscribe: grant aws-marketplace:Subscribe/Unsubscribe/ViewSubscriptions for the model's product, or fix the account's payment method",
  use_case: "submit the Anthropic use-case form (plan with useCaseForm), then file again",
  data_retention: "the model requires data retention and the account-Region's mode is none",
  not_in_inventory: "the re-sync did not find the model in that account-Region; check the account's sync errors",
  sync_failed: "the verifying sync failed; look at the sync run's errors, then re-verify",
  verification_timeout: "the verifying sync did not finish in time; re-verify",
  remediation_failed: "a remediation change failed; see the plan's results",
  plans_not_applied:
    "nobody applied the remediation plans in time: file again, and have an admin apply the plans (then verify) before the wait times out",
};

export function createProvisioningSteps(deps: {
  db: Database;
  repo: AccessRequestRepository;
  transitions: Transitions;
  webhooks: WebhookService;
  audit: AuditService;
  remediation: RemediationPort;
  sync: SyncPort;
  clock: Clock;
  log: Logger;
  enqueue: ProvisioningQueue;
  /** The engine, naming the policy behind a failure's policy gates (absent: not named). */
  preflight?: PreflightPort;
  inventory?: Pick<RequestInventoryRepository, "policies">;
  /** Reminders and the timeout of requests waiting for an admin (absent: neither). */
  waiting?: WaitingSettings;
}) {
  const { db, repo, transitions, clock } = deps;
  const explain = createRequestPreflight({
    ...(deps.preflight ? { preflight: deps.preflight } : {}),
    inventory: deps.inventory ?? { policies: async () => new Map() },
  });

  /** The system, acting for one request: remediation and sync audit events carry the request id. */
  const systemFor = (requestId: string): CallContext => ({
    principal: SYSTEM_PRINCIPAL,
    requestId: `access_request:${requestId}`,
  });

  const pairs = (r: AccessRequestView) =>
    r.accountIds.flatMap((a) => r.regions.map((region) => ({ accountId: a, region })));
  const approvalsOf = (r: AccessRequestView) =>
    r.decisions.filter((d) => d.decision === "approve").map((d) => ({ approverId: d.approverId, at: d.createdAt }));

  async function savePlans(requestId: string, add: RequestPlan[]) {
    await db.transaction(async (tx) => {
      const req = await repo.lock(requestId, tx);
      if (!req) return;
      await repo.update(requestId, req.version, { plans: [...req.plans, ...add] }, clock.now(), tx);
    });
  }

  /** Plans (and applies when allowed) the remediation of each account-Region; returns sync run ids to wait for. */
  async function remediate(
    req: AccessRequestView,
    purpose: "grant" | "reversal",
    apply: boolean,
  ): Promise<{
    runIds: string[];
    pendingPlans: number;
    /** The plans left for an admin to apply. */
    pending: RequestPlan[];
    appliedPlans: number;
    failedPlans: RemediationPlan[];
  }> {
    const ctx = systemFor(req.id);
    const runIds: string[] = [];
    const pending: RequestPlan[] = [];
    const failedPlans: RemediationPlan[] = [];
    let pendingPlans = 0;
    let appliedPlans = 0;
    for (const { accountId, region } of pairs(req)) {
      // One account-Region at a time: a plan applied changes what the next one must do.
      const plan = await deps.remediation.createPlan(ctx, { kind: "account", id: accountId, region });
      let applied = false;
      if (plan.changes.length > 0 && apply) {
        const done = await deps.remediation.apply(ctx, plan.id);
        applied = done.status === "applied";
        if (applied) appliedPlans++;
        else failedPlans.push(done);
        runIds.push(...done.syncRunIds);
      } else if (plan.changes.length > 0) pendingPlans++;
      const saved: RequestPlan = { accountId, region, planId: plan.id, purpose, changes: plan.changes.length, applied };
      if (!apply && plan.changes.length > 0) pending.push(saved);
      await savePlans(req.id, [saved]);
    }
    return { runIds, pendingPlans, pending, appliedPlans, failedPlans };
  }

  /** Re-syncs the request's account-Regions and queues the verification. */
  async function resyncAndVerify(req: AccessRequestView, runIds: string[], round = 0) {
    const ctx = systemFor(req.id);
    const own: string[] = [];
    for (const { accountId, region } of pairs(req)) {
      own.push(
        (await deps.sync.requestSync(ctx, { scope: "account_region", scopeId: accountId, region }, "access_request"))
          .id,
      );
    }
    await deps.enqueue.verify({ requestId: req.id, runIds: [...new Set([...runIds, ...own])], attempt: 0, round });
  }

  async function fail(req: AccessRequestView, found: BlockingGateView[], plansFailed = false) {
    const gates = await explain.explainGates(req, found);
    const fix = [
      ...new Set(
        gates.map((g) =>
          g.policy
            ? `${g.policy} still ${g.gate === "bedrock_policy" ? "breaks every Bedrock call" : "denies the model"} in ${g.accountId} ${g.region}: change or detach it, then file again`
            : (FIXES[g.gate] ?? `resolve the ${g.gate} gate`),
        ),
      ),
    ].join("; ");
    const out = await db.transaction(async (tx) => {
      const locked = await repo.lock(req.id, tx);
      if (locked?.status !== "provisioning") return undefined;
      const at = clock.now();
      const moved = await transitions.move(
        systemFor(req.id),
        locked,
        "failed",
        { failure: { gates, fix }, endedAt: at },
        {
          comment: fix,
          cause: { gates, plansFailed },
        },
        tx,
      );
      const ended = await repo.endGrants(req.id, at, "failed", tx);
      for (const g of ended)
        await deps.audit.record(
          systemFor(req.id),
          {
            action: "grant.end",
            targetType: "access_grant",
            targetId: g.id,
            after: { requestId: req.id, accountId: g.accountId, region: g.region, model: g.modelId, reason: "failed" },
          },
          tx,
        );
      return moved;
    });
    if (!out) return;
    await deps.webhooks.dispatch(out.deliveries);
    // What provisioning widened for a grant that never worked is narrowed again.
    await deps.enqueue.reverse(req.id);
  }

  /** Ends an active request's grants (expired or revoked) and queues the reversal. */
  async function endActive(
    ctx: CallContext,
    id: string,
    to: "ended" | "revoked",
    comment: string | null,
    ifMatch?: number,
  ): Promise<AccessRequestView | undefined> {
    const out = await db.transaction(async (tx) => {
      const locked = await repo.lock(id, tx);
      if (!locked) throw new NotFoundError(`request ${id} not found`);
      if (ifMatch !== undefined && ifMatch !== locked.version)
        throw new PreconditionFailedError(`request ${id} is at version ${locked.version}, not ${ifMatch}`);
      if (to === "ended" && locked.status !== "active") return undefined; // someone else ended it
      const at = clock.now();
      const moved = await transitions.move(
        ctx,
        locked,
        to,
        { endedAt: at },
        {
          comment,
          cause: to === "ended" ? { activeUntil: locked.activeUntil } : { revokedBy: ctx.principal.id },
        },
        tx,
      );
      const ended = await repo.endGrants(id, at, to === "ended" ? "expired" : "revoked", tx);
      for (const g of ended)
        await deps.audit.record(
          ctx,
          {
            action: "grant.end",
            targetType: "access_grant",
            targetId: g.id,
            after: { requestId: id, accountId: g.accountId, region: g.region, model: g.modelId, reason: g.endReason },
          },
          tx,
        );
      return moved;
    });
    if (!out) return undefined;
    await deps.webhooks.dispatch(out.deliveries);
    await deps.enqueue.reverse(id);
    return out.request;
  }

  /** Expires undecided requests, ends grants past their time, re-queues work that was lost. */
  async function sweep(at: Date = clock.now()) {
    const expired: string[] = [];
    const ended: string[] = [];
    for (const id of await repo.due("pending", at, 500)) {
      const out = await db.transaction(async (tx) => {
        const locked = await repo.lock(id, tx);
        if (locked?.status !== "pending" || new Date(locked.pendingUntil) > at) return undefined;
        return transitions.move(
          systemFor(id),
          locked,
          "expired",
          { decidedAt: at },
          {
            comment: "not decided in time",
            cause: { pendingUntil: locked.pendingUntil },
          },
          tx,
        );
      });
      if (out) {
        expired.push(id);
        await deps.webhooks.dispatch(out.deliveries);
      }
    }
    for (const id of await repo.due("active", at, 500)) {
      if (await endActive(systemFor(id), id, "ended", "access duration ran out")) ended.push(id);
    }
    const { reminded, timedOut } = await sweepWaiting(at);
    // Approved requests whose provisioning job was lost (queue down at approval time).
    for (const id of await repo.inStatus("approved", new Date(at.getTime() - 60_000), 100))
      await deps.enqueue.provision(id);
    await deps.webhooks.requeueStale(5 * 60_000);
    if (expired.length || ended.length || reminded.length || timedOut.length)
      deps.log.info(
        { expired: expired.length, ended: ended.length, reminded: reminded.length, timedOut: timedOut.length },
        "access request sweep",
      );
    return { expired, ended, reminded, timedOut };
  }

  /** Requests waiting for an admin: announced again every reminderHours, failed after timeoutHours. */
  async function sweepWaiting(at: Date) {
    const reminded: string[] = [];
    const timedOut: string[] = [];
    const w = deps.waiting;
    if (!w) return { reminded, timedOut };
    const hours = (from: string) => (at.getTime() - Date.parse(from)) / 3_600_000;
    for (const id of await repo.waitingIds(500)) {
      const req = await repo.find(id);
      if (req?.status !== "provisioning" || !req.waiting) continue;
      if (w.timeoutHours > 0 && hours(req.waiting.since) >= w.timeoutHours) {
        const gates = req.waiting.plans.map((p) => ({
          accountId: p.accountId,
          region: p.region,
          gate: "plans_not_applied",
          detail: `remediation plan ${p.planId} (${p.changes} change(s)) was not applied within ${w.timeoutHours} hours of ${req.waiting?.since}`,
        }));
        await fail(req, gates);
        timedOut.push(id);
        continue;
      }
      if (w.reminderHours <= 0 || hours(req.waiting.remindedAt ?? req.waiting.since) < w.reminderHours) continue;
      const out = await db.transaction(async (tx) => {
        const locked = await repo.lock(id, tx);
        return locked ? transitions.remind(systemFor(id), locked, at, tx) : undefined;
      });
      if (out) {
        reminded.push(id);
        await deps.webhooks.dispatch(out.deliveries);
      }
    }
    return { reminded, timedOut };
  }

  return { systemFor, pairs, approvalsOf, remediate, resyncAndVerify, fail, endActive, sweep };
}

export type ProvisioningSteps = ReturnType<typeof createProvisioningSteps>;
