// The jobs of the access-request workflow: provision an approved request (grant, plan, apply
// where the rule allows, re-sync), verify it against the re-synced inventory (active or failed),
// reverse what a grant widened once it ends, and sweep (expire undecided requests, end grants at
// their time, re-queue lost work) on a schedule.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { defineCronJob, defineJob, type JobSet, withCronJob, worker } from "../../jobs/job.js";
import type { JobQueue } from "../../jobs/queue.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { AccessRequestRepository } from "./access-request.repository.js";
import type { AccessRequestView, BlockingGateView, RequestPlan } from "./access-request.types.js";
import type {
  ProvisioningQueue,
  ProvisioningSteps,
  ReconcilePort,
  SyncPort,
  VerifyPayload,
} from "./provisioning-steps.js";
import type { RequestInventoryRepository } from "./request-inventory.repository.js";
import type { Transitions } from "./request-transitions.js";
import type { WebhookService } from "./webhook.service.js";

const BLOCKED_TYPES = [
  "APPROVED_MODEL_BLOCKED",
  "MARKETPLACE_SUBSCRIPTION_BLOCKED",
  "ENTITLEMENT_INACTIVE",
  "RETENTION_VIOLATION",
] as const;

export interface ProvisionPayload {
  requestId: string;
}

const RETRIES = { retryLimit: 5, retryDelaySeconds: 5, retryBackoff: true };

export const PROVISIONING_JOBS = {
  /** Grant, plan (and apply) the remediation, re-sync. Key: `provision:<requestId>`. */
  provision: defineJob<ProvisionPayload>("access-requests.provision", RETRIES),
  /** Checks the re-sync and decides active or failed. Key: `verify:<requestId>:<round>[:<poll>]`. */
  verify: defineJob<VerifyPayload>("access-requests.verify", RETRIES),
  /** Plans (and applies) the reversal after a grant ended. Key: `reverse:<requestId>`. */
  reverse: defineJob<ProvisionPayload>("access-requests.reverse", RETRIES),
  /** Expires pending requests, ends grants past their time, re-queues stuck work (cron). */
  sweep: defineCronJob("access-requests.sweep"),
};

export interface ProvisioningSettings {
  /** Cron of the sweep (expiry of pending requests and of grants). */
  sweepCron: string | undefined;
  /** How often verification looks whether the re-sync finished, and how many times. */
  verifyPollSeconds: number;
  verifyMaxPolls: number;
}

/** Puts provisioning jobs on the queue, each under its singleton key. */
export function provisioningQueue(
  queue: JobQueue,
  settings: Pick<ProvisioningSettings, "verifyPollSeconds">,
): ProvisioningQueue {
  return {
    async provision(requestId) {
      await queue.send(PROVISIONING_JOBS.provision, { requestId }, { singletonKey: `provision:${requestId}` });
    },
    async verify(payload) {
      const round = payload.round ?? 0;
      await queue.send(PROVISIONING_JOBS.verify, payload, {
        singletonKey:
          payload.attempt === 0
            ? `verify:${payload.requestId}:${round}`
            : `verify:${payload.requestId}:${round}:${payload.attempt}`,
        startAfterSeconds: settings.verifyPollSeconds,
      });
    },
    async reverse(requestId) {
      await queue.send(PROVISIONING_JOBS.reverse, { requestId }, { singletonKey: `reverse:${requestId}` });
    },
  };
}

export function createProvisioningJobs(deps: {
  db: Database;
  repo: AccessRequestRepository;
  inventory: RequestInventoryRepository;
  transitions: Transitions;
  webhooks: WebhookService;
  audit: AuditService;
  sync: SyncPort;
  reconcile: ReconcilePort;
  steps: ProvisioningSteps;
  enqueue: ProvisioningQueue;
  clock: Clock;
  log: Logger;
  settings: ProvisioningSettings;
}): JobSet {
  const { db, repo, transitions, clock, log, settings, steps } = deps;

  async function provision({ requestId }: ProvisionPayload, lastAttempt: boolean) {
    let req = await repo.find(requestId);
    if (!req) return;
    if (req.status === "approved") {
      const started = await db.transaction(async (tx) => {
        const locked = await repo.lock(requestId, tx);
        if (locked?.status !== "approved") return undefined;
        const at = clock.now();
        const until = new Date(at.getTime() + locked.durationHours * 3_600_000);
        const ctx = steps.systemFor(requestId);
        const grants = steps.pairs(locked).map(({ accountId, region }) => ({
          id: randomUUID(),
          requestId,
          accountId,
          region,
          modelId: locked.modelId,
          profileId: locked.profileId,
          owner: locked.requesterId,
          purpose: locked.purpose,
          provisionVia: locked.provisionVia,
          validFrom: at,
          expiresAt: until,
        }));
        await repo.insertGrants(grants, tx);
        for (const g of grants)
          await deps.audit.record(
            ctx,
            {
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
                approvals: steps.approvalsOf(locked),
              },
            },
            tx,
          );
        // The window (activeUntil) starts at activation; until then the grants hold a provisional end.
        return transitions.move(
          ctx,
          locked,
          "provisioning",
          {},
          {
            cause: { approvals: steps.approvalsOf(locked), ruleId: locked.ruleId, autoApply: locked.autoApply },
            extra: { grants: grants.map((g) => g.id) },
          },
          tx,
        );
      });
      if (!started) return;
      await deps.webhooks.dispatch(started.deliveries);
      req = started.request;
    }
    if (req.status !== "provisioning" || req.plans.some((p) => p.purpose === "grant")) return;
    let outcome: Awaited<ReturnType<ProvisioningSteps["remediate"]>>;
    try {
      outcome = await steps.remediate(req, "grant", req.autoApply);
    } catch (err) {
      if (!lastAttempt) throw err;
      log.error({ err, requestId }, "provisioning could not plan or apply the remediation");
      await steps.fail(
        req,
        steps.pairs(req).map((p) => ({
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
      await steps.fail(
        req,
        steps.pairs(req).map((p) => ({ ...p, gate: "remediation_failed", detail: details.join("; ") })),
        true,
      );
      return;
    }
    // Plans an admin must apply: verification waits for them (POST …/verify after applying).
    if (outcome.pendingPlans > 0) {
      log.info({ requestId, plans: outcome.pendingPlans }, "remediation plans left for an admin to apply");
      await awaitAdmin(requestId, outcome.pending);
      return;
    }
    await steps.resyncAndVerify((await repo.find(requestId)) as AccessRequestView, outcome.runIds);
  }

  /** Names the wait: the request's grant plans left unapplied, for an admin (audited, webhook). */
  async function awaitAdmin(requestId: string, pending: RequestPlan[]) {
    const plans = pending.map(({ planId, accountId, region, changes }) => ({ planId, accountId, region, changes }));
    if (plans.length === 0) return;
    const out = await db.transaction(async (tx) => {
      const locked = await repo.lock(requestId, tx);
      if (locked?.status !== "provisioning") return undefined;
      return transitions.wait(steps.systemFor(requestId), locked, plans, tx);
    });
    if (out) await deps.webhooks.dispatch(out.deliveries);
  }

  async function verify(job: VerifyPayload) {
    const req = await repo.find(job.requestId);
    if (req?.status !== "provisioning") return;
    const ctx = steps.systemFor(req.id);
    const runs = await Promise.all(job.runIds.map((id) => deps.sync.getRun(ctx, id)));
    if (runs.some((r) => r.status === "queued" || r.status === "running")) {
      if (job.attempt + 1 >= settings.verifyMaxPolls) {
        await steps.fail(
          req,
          steps
            .pairs(req)
            .map((p) => ({ ...p, gate: "verification_timeout", detail: "the verifying sync did not finish" })),
        );
        return;
      }
      await deps.enqueue.verify({ ...job, attempt: job.attempt + 1 });
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
    for (const { accountId, region } of steps.pairs(req)) {
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
      // Every finding type that says an approved model cannot be called (the engine's gates).
      for (const type of BLOCKED_TYPES) {
        const blocked = await deps.reconcile.list(
          ctx,
          { status: "open", type, accountId, region, modelId: req.modelId },
          { limit: 50 },
        );
        for (const f of blocked.items) gates.push({ accountId, region, gate: f.gate ?? "unknown", detail: f.detail });
      }
    }
    if (gates.length > 0 && (job.round ?? 0) === 0) {
      // The first plan may have been made on facts a concurrent change had already outdated (an
      // SCP narrowed by another request's reversal, say). The verifying sync refreshed them: plan
      // once more; applied (auto-apply) → verify again; left for an admin → wait for them.
      const again = await steps.remediate(req, "grant", req.autoApply);
      if (again.appliedPlans > 0 && again.failedPlans.length === 0) {
        await steps.resyncAndVerify(req, again.runIds, 1);
        return;
      }
      if (!req.autoApply && again.pendingPlans > 0) {
        log.info({ requestId: req.id, plans: again.pendingPlans }, "remediation plans left for an admin to apply");
        await awaitAdmin(req.id, again.pending);
        return;
      }
    }
    if (gates.length > 0) {
      await steps.fail(req, gates);
      return;
    }
    const out = await db.transaction(async (tx) => {
      const locked = await repo.lock(req.id, tx);
      if (locked?.status !== "provisioning") return undefined;
      // The grant's time starts now, when access works, not when provisioning started.
      const at = clock.now();
      const until = new Date(at.getTime() + locked.durationHours * 3_600_000);
      await repo.setGrantsExpiry(locked.id, until, tx);
      return transitions.move(
        ctx,
        locked,
        "active",
        { activatedAt: at, activeUntil: until },
        {
          cause: { approvals: steps.approvalsOf(locked), syncRuns: job.runIds },
          extra: { grants: locked.grants.map((g) => g.id), activeUntil: until.toISOString() },
        },
        tx,
      );
    });
    if (out) await deps.webhooks.dispatch(out.deliveries);
  }

  async function reverse({ requestId }: ProvisionPayload) {
    const req = await repo.find(requestId);
    if (!req || req.plans.some((p) => p.purpose === "reversal")) return;
    // Narrowing access is always safe to apply: no admin needs to approve taking access away.
    const outcome = await steps.remediate(req, "reversal", true);
    for (const p of outcome.failedPlans)
      log.warn({ requestId, planId: p.id }, "reversal plan failed; an admin must re-plan");
  }

  return withCronJob(
    [
      worker(PROVISIONING_JOBS.provision, (p, attempt) => provision(p, attempt.lastAttempt), {
        concurrency: 2,
        pollingIntervalSeconds: 1,
      }),
      worker(PROVISIONING_JOBS.verify, (p) => verify(p), { pollingIntervalSeconds: 1 }),
      worker(PROVISIONING_JOBS.reverse, (p) => reverse(p), { concurrency: 1, pollingIntervalSeconds: 1 }),
    ],
    { job: PROVISIONING_JOBS.sweep, cron: settings.sweepCron, run: () => steps.sweep() },
  );
}
