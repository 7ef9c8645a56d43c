// From approval to active, and back: provisioning grants the access (an expiring grant joins
// desired state), plans the remediation for each account-Region and applies it where the rule
// allows, then verifies by a re-sync; a sweep expires undecided requests and ends grants at their
// time, planning and applying the reversal. The system acts here, and every audit event names the
// request (and the approvals) that caused it.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import type { JobDefinition, JobQueue, JobSchedule } from "../../jobs/queue.js";
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from "../../kernel/errors.js";
import { type CallContext, hasRole, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { SyncRequest } from "../inventory/sync.service.js";
import type { SyncRunView } from "../inventory/sync-run.repository.js";
import type { FindingFilter } from "../reconcile/findings.repository.js";
import type { Finding } from "../reconcile/reconcile.types.js";
import type { RemediationPlan } from "../remediation/remediation.types.js";
import type { AccessRequestRepository } from "./access-request.repository.js";
import type { AccessRequestView, BlockingGateView, RequestPlan } from "./access-request.types.js";
import type { RequestInventoryRepository } from "./request-inventory.repository.js";
import { type ProvisionJob, REQUEST_JOBS, type ReverseJob, type VerifyJob } from "./request-jobs.js";
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

/** How to fix each gate, for a failed request. */
const FIXES: Record<string, string> = {
  scp_deny: "an SCP still denies the model: change or detach the SCP named in the plan, then file again",
  agreement_missing: "accept the model's Marketplace agreement (the plan's agreement_create), then file again",
  agreement_pending: "the Marketplace subscription is still being processed; file again when it completes",
  anthropic_use_case_missing: "submit the Anthropic use-case form (plan with useCaseForm), then file again",
  marketplace_permission: "grant aws-marketplace:Subscribe/ViewSubscriptions to the role that enables models",
  region_unavailable: "the model is not offered in that Region; pick one where it is",
  not_in_inventory: "the re-sync did not find the model in that account-Region; check the account's sync errors",
  sync_failed: "the verifying sync failed; look at the sync run's errors, then re-verify",
  verification_timeout: "the verifying sync did not finish in time; re-verify",
  remediation_failed: "a remediation change failed; see the plan's results",
};

export function createProvisioningService(deps: {
  db: Database;
  repo: AccessRequestRepository;
  inventory: RequestInventoryRepository;
  transitions: Transitions;
  webhooks: WebhookService;
  audit: AuditService;
  remediation: RemediationPort;
  sync: SyncPort;
  reconcile: ReconcilePort;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  settings: ProvisioningSettings;
}) {
  const { db, repo, transitions, clock, log, settings } = deps;

  /** The system, acting for one request: remediation and sync audit events carry the request id. */
  const systemFor = (requestId: string): CallContext => ({
    principal: SYSTEM_PRINCIPAL,
    requestId: `access_request:${requestId}`,
  });

  const pairs = (r: AccessRequestView) =>
    r.accountIds.flatMap((a) => r.regions.map((region) => ({ accountId: a, region })));
  const approvalsOf = (r: AccessRequestView) =>
    r.decisions.filter((d) => d.decision === "approve").map((d) => ({ approverId: d.approverId, at: d.createdAt }));

  async function send(name: string, data: object, key: string, startAfter?: number) {
    await deps.queue.send(name, data, {
      singletonKey: key,
      retryLimit: 5,
      retryDelay: 5,
      retryBackoff: true,
      ...(startAfter ? { startAfter } : {}),
    });
  }

  async function savePlans(requestId: string, add: RequestPlan[]) {
    await db.transaction(async (tx) => {
      const req = await repo.lock(tx, requestId);
      if (!req) return;
      await repo.update(tx, requestId, req.version, { plans: [...req.plans, ...add] }, clock.now());
    });
  }

  /** Plans (and applies when allowed) the remediation of each account-Region; returns sync run ids to wait for. */
  async function remediate(
    req: AccessRequestView,
    purpose: "grant" | "reversal",
    apply: boolean,
  ): Promise<{ runIds: string[]; pendingPlans: number; appliedPlans: number; failedPlans: RemediationPlan[] }> {
    const ctx = systemFor(req.id);
    const runIds: string[] = [];
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
      await savePlans(req.id, [{ accountId, region, planId: plan.id, purpose, changes: plan.changes.length, applied }]);
    }
    return { runIds, pendingPlans, appliedPlans, failedPlans };
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
    await send(
      REQUEST_JOBS.verify,
      { requestId: req.id, runIds: [...new Set([...runIds, ...own])], attempt: 0, round } satisfies VerifyJob,
      `verify:${req.id}:${round}`,
      settings.verifyPollSeconds,
    );
  }

  async function fail(req: AccessRequestView, gates: BlockingGateView[], plansFailed = false) {
    const fix = [...new Set(gates.map((g) => FIXES[g.gate] ?? `resolve the ${g.gate} gate`))].join("; ");
    const out = await db.transaction(async (tx) => {
      const locked = await repo.lock(tx, req.id);
      if (locked?.status !== "provisioning") return undefined;
      const at = clock.now();
      const moved = await transitions.move(
        tx,
        systemFor(req.id),
        locked,
        "failed",
        { failure: { gates, fix }, endedAt: at },
        {
          comment: fix,
          cause: { gates, plansFailed },
        },
      );
      const ended = await repo.endGrants(tx, req.id, at, "failed");
      for (const g of ended)
        await deps.audit.record(tx, systemFor(req.id), {
          action: "grant.end",
          targetType: "access_grant",
          targetId: g.id,
          after: { requestId: req.id, accountId: g.accountId, region: g.region, model: g.modelId, reason: "failed" },
        });
      return moved;
    });
    if (!out) return;
    await deps.webhooks.dispatch(out.deliveries);
    // What provisioning widened for a grant that never worked is narrowed again.
    await send(REQUEST_JOBS.reverse, { requestId: req.id } satisfies ReverseJob, `reverse:${req.id}`);
  }

  async function provision({ requestId }: ProvisionJob, lastAttempt: boolean) {
    let req = await repo.find(requestId);
    if (!req) return;
    if (req.status === "approved") {
      const started = await db.transaction(async (tx) => {
        const locked = await repo.lock(tx, requestId);
        if (locked?.status !== "approved") return undefined;
        const at = clock.now();
        const until = new Date(at.getTime() + locked.durationHours * 3_600_000);
        const ctx = systemFor(requestId);
        const grants = pairs(locked).map(({ accountId, region }) => ({
          id: randomUUID(),
          requestId,
          accountId,
          region,
          modelId: locked.modelId,
          profileId: locked.profileId,
          owner: locked.requesterId,
          purpose: locked.purpose,
          validFrom: at,
          expiresAt: until,
        }));
        await repo.insertGrants(tx, grants);
        for (const g of grants)
          await deps.audit.record(tx, ctx, {
            action: "grant.create",
            targetType: "access_grant",
            targetId: g.id,
            after: {
              requestId,
              accountId: g.accountId,
              region: g.region,
              model: g.modelId,
              profileId: g.profileId,
              owner: g.owner,
              validFrom: at.toISOString(),
              expiresAt: until.toISOString(),
              approvals: approvalsOf(locked),
            },
          });
        return transitions.move(
          tx,
          ctx,
          locked,
          "provisioning",
          { activeUntil: until },
          {
            cause: { approvals: approvalsOf(locked), ruleId: locked.ruleId, autoApply: locked.autoApply },
            extra: { grants: grants.map((g) => g.id), activeUntil: until.toISOString() },
          },
        );
      });
      if (!started) return;
      await deps.webhooks.dispatch(started.deliveries);
      req = started.request;
    }
    if (req.status !== "provisioning" || req.plans.some((p) => p.purpose === "grant")) return;
    let outcome: Awaited<ReturnType<typeof remediate>>;
    try {
      outcome = await remediate(req, "grant", req.autoApply);
    } catch (err) {
      if (!lastAttempt) throw err;
      log.error({ err, requestId }, "provisioning could not plan or apply the remediation");
      await fail(
        req,
        pairs(req).map((p) => ({
          ...p,
          gate: "remediation_failed",
          detail: err instanceof Error ? err.message : String(err),
        })),
        true,
      );
      return;
    }
    if (outcome.failedPlans.length > 0) {
      const details = outcome.failedPlans.flatMap((p) =>
        (p.results ?? []).filter((r) => r.status === "failed").map((r) => `${r.kind}: ${r.error?.message ?? "failed"}`),
      );
      await fail(
        req,
        pairs(req).map((p) => ({ ...p, gate: "remediation_failed", detail: details.join("; ") })),
        true,
      );
      return;
    }
    // Plans an admin must apply: verification waits for them (POST …/verify after applying).
    if (outcome.pendingPlans > 0) {
      log.info({ requestId, plans: outcome.pendingPlans }, "remediation plans left for an admin to apply");
      return;
    }
    await resyncAndVerify((await repo.find(requestId)) as AccessRequestView, outcome.runIds);
  }

  async function verify(job: VerifyJob) {
    const req = await repo.find(job.requestId);
    if (req?.status !== "provisioning") return;
    const ctx = systemFor(req.id);
    const runs = await Promise.all(job.runIds.map((id) => deps.sync.getRun(ctx, id)));
    if (runs.some((r) => r.status === "queued" || r.status === "running")) {
      if (job.attempt + 1 >= settings.verifyMaxPolls) {
        await fail(
          req,
          pairs(req).map((p) => ({ ...p, gate: "verification_timeout", detail: "the verifying sync did not finish" })),
        );
        return;
      }
      await send(
        REQUEST_JOBS.verify,
        { ...job, attempt: job.attempt + 1 },
        `verify:${req.id}:${job.round ?? 0}:${job.attempt + 1}`,
        settings.verifyPollSeconds,
      );
      return;
    }
    // Findings against desired state (which holds the grant): what still blocks the model, by gate.
    await deps.reconcile.reconcileNow(ctx, { accountIds: req.accountIds });
    const offered = await deps.inventory.offeredPairs(req.accountIds, req.regions, {
      kind: req.profileId ? "profile" : "model",
      modelId: req.modelId,
      profileId: req.profileId,
      provider: req.provider,
      offeredIn: [],
      profiles: [],
    });
    const gates: BlockingGateView[] = [];
    for (const { accountId, region } of pairs(req)) {
      if (!offered.has(`${accountId}|${region}`)) {
        const run = runs.find((r) => r.scopeId === accountId && r.region === region && r.status === "failed");
        gates.push({
          accountId,
          region,
          gate: run ? "sync_failed" : "not_in_inventory",
          detail: run?.error ?? `${req.target} is not in the inventory of ${accountId} in ${region} after the re-sync`,
        });
        continue;
      }
      const blocked = await deps.reconcile.list(
        ctx,
        { status: "open", type: "APPROVED_MODEL_BLOCKED", accountId, region, modelId: req.modelId },
        { limit: 50 },
      );
      for (const f of blocked.items) gates.push({ accountId, region, gate: f.gate ?? "unknown", detail: f.detail });
    }
    if (gates.length > 0 && (job.round ?? 0) === 0) {
      // The first plan may have been made on facts a concurrent change had already outdated (an
      // SCP narrowed by another request's reversal, say). The verifying sync refreshed them: plan
      // once more; applied (auto-apply) → verify again; left for an admin → wait for them.
      const again = await remediate(req, "grant", req.autoApply);
      if (again.appliedPlans > 0 && again.failedPlans.length === 0) {
        await resyncAndVerify(req, again.runIds, 1);
        return;
      }
      if (!req.autoApply && again.pendingPlans > 0) {
        log.info({ requestId: req.id, plans: again.pendingPlans }, "remediation plans left for an admin to apply");
        return;
      }
    }
    if (gates.length > 0) {
      await fail(req, gates);
      return;
    }
    const out = await db.transaction(async (tx) => {
      const locked = await repo.lock(tx, req.id);
      if (locked?.status !== "provisioning") return undefined;
      return transitions.move(
        tx,
        ctx,
        locked,
        "active",
        { activatedAt: clock.now() },
        {
          cause: { approvals: approvalsOf(locked), syncRuns: job.runIds },
          extra: { grants: locked.grants.map((g) => g.id), activeUntil: locked.activeUntil },
        },
      );
    });
    if (out) await deps.webhooks.dispatch(out.deliveries);
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
      const locked = await repo.lock(tx, id);
      if (!locked) throw new NotFoundError(`request ${id} not found`);
      if (ifMatch !== undefined && ifMatch !== locked.version)
        throw new PreconditionFailedError(`request ${id} is at version ${locked.version}, not ${ifMatch}`);
      if (to === "ended" && locked.status !== "active") return undefined; // someone else ended it
      const at = clock.now();
      const moved = await transitions.move(
        tx,
        ctx,
        locked,
        to,
        { endedAt: at },
        {
          comment,
          cause: to === "ended" ? { activeUntil: locked.activeUntil } : { revokedBy: ctx.principal.id },
        },
      );
      const ended = await repo.endGrants(tx, id, at, to === "ended" ? "expired" : "revoked");
      for (const g of ended)
        await deps.audit.record(tx, ctx, {
          action: "grant.end",
          targetType: "access_grant",
          targetId: g.id,
          after: { requestId: id, accountId: g.accountId, region: g.region, model: g.modelId, reason: g.endReason },
        });
      return moved;
    });
    if (!out) return undefined;
    await deps.webhooks.dispatch(out.deliveries);
    await send(REQUEST_JOBS.reverse, { requestId: id } satisfies ReverseJob, `reverse:${id}`);
    return out.request;
  }

  async function reverse({ requestId }: ReverseJob) {
    const req = await repo.find(requestId);
    if (!req || req.plans.some((p) => p.purpose === "reversal")) return;
    // Narrowing access is always safe to apply: no admin needs to approve taking access away.
    const outcome = await remediate(req, "reversal", true);
    for (const p of outcome.failedPlans)
      log.warn({ requestId, planId: p.id }, "reversal plan failed; an admin must re-plan");
  }

  async function sweep(at: Date = clock.now()) {
    const expired: string[] = [];
    const ended: string[] = [];
    for (const id of await repo.due("pending", at, 500)) {
      const out = await db.transaction(async (tx) => {
        const locked = await repo.lock(tx, id);
        if (locked?.status !== "pending" || new Date(locked.pendingUntil) > at) return undefined;
        return transitions.move(
          tx,
          systemFor(id),
          locked,
          "expired",
          { decidedAt: at },
          {
            comment: "not decided in time",
            cause: { pendingUntil: locked.pendingUntil },
          },
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
    // Approved requests whose provisioning job was lost (queue down at approval time).
    for (const id of await repo.inStatus("approved", new Date(at.getTime() - 60_000), 100))
      await send(REQUEST_JOBS.provision, { requestId: id } satisfies ProvisionJob, `provision:${id}`);
    await deps.webhooks.requeueStale(5 * 60_000);
    if (expired.length || ended.length)
      log.info({ expired: expired.length, ended: ended.length }, "access request sweep");
    return { expired, ended };
  }

  return {
    sweep,

    /** Admin: takes an active request's access away now. */
    async revoke(
      ctx: CallContext,
      id: string,
      opts: { comment: string; ifMatch?: number },
    ): Promise<AccessRequestView> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("revoking access needs the admin role");
      const out = await endActive(ctx, id, "revoked", opts.comment.trim(), opts.ifMatch);
      return out ?? ((await repo.find(id)) as AccessRequestView);
    },

    /** Admin: after applying a request's remediation plans by hand, re-sync and verify it. */
    async verifyNow(ctx: CallContext, id: string): Promise<AccessRequestView> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("verifying provisioning needs the admin role");
      const req = await repo.find(id);
      if (!req) throw new NotFoundError(`request ${id} not found`);
      if (req.status !== "provisioning")
        throw new ConflictError(
          `only a provisioning request can be verified (this one is ${req.status})`,
          {},
          "ILLEGAL_TRANSITION",
        );
      await resyncAndVerify(req, []);
      return req;
    },

    jobDefinitions(): JobDefinition[] {
      return [
        {
          name: REQUEST_JOBS.provision,
          queue: { retryLimit: 5, retryDelay: 5, retryBackoff: true },
          concurrency: 2,
          pollingIntervalSeconds: 1,
          handler: (data, meta) => provision(data as ProvisionJob, meta.retryCount >= 5),
        },
        {
          name: REQUEST_JOBS.verify,
          queue: { retryLimit: 5, retryDelay: 5, retryBackoff: true },
          pollingIntervalSeconds: 1,
          handler: (data) => verify(data as VerifyJob),
        },
        {
          name: REQUEST_JOBS.reverse,
          queue: { retryLimit: 5, retryDelay: 5, retryBackoff: true },
          concurrency: 1,
          pollingIntervalSeconds: 1,
          handler: (data) => reverse(data as ReverseJob),
        },
        {
          name: REQUEST_JOBS.sweep,
          queue: { policy: "singleton", retryLimit: 1 },
          concurrency: 1,
          handler: async () => {
            await sweep();
          },
        },
      ];
    },

    schedules(): JobSchedule[] {
      return settings.sweepCron ? [{ name: REQUEST_JOBS.sweep, cron: settings.sweepCron }] : [];
    },
  };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;
