// The jobs of an inventory sync run: discovery fans out one job per account-Region on the queue.
// Jobs are idempotent (state is diffed, not appended), retried with backoff, never run twice at
// once for one account-Region (a stately queue keyed by account-Region, plus a lock when
// writing), and an AWS failure is recorded with its gate instead of failing the run. When a run
// closes, the `inventory.sync-run-finished` event goes out; other modules subscribe to it.
import type { Logger } from "pino";
import { AwsGateError, toAwsGateError } from "../../aws/errors.js";
import {
  type Attempt,
  defineCronJob,
  defineEvent,
  defineJob,
  type JobSet,
  withCronJob,
  worker,
} from "../../jobs/job.js";
import type { JobQueue } from "../../jobs/queue.js";
import type { Clock } from "../../lib/clock.js";
import type { SyncMetrics } from "../../lib/metrics.js";
import type { AccountRegionReader } from "./account-region-sync.service.js";
import type { DiscoveryService } from "./discovery.service.js";
import type { InventoryStateService } from "./inventory-state.service.js";
import type { OrgRepository } from "./org.repository.js";
import { effectiveRegions } from "./region-scopes.js";
import type { SyncRunRepository } from "./sync-run.repository.js";

/** AWS's answer in an opt-in Region the account has not enabled (the role was assumed fine). */
const REGION_NOT_ENABLED = new Set(["UnrecognizedClientException", "InvalidClientTokenId"]);

export interface DiscoverPayload {
  runId: string;
}

export interface AccountRegionPayload {
  runId: string;
  accountId: string;
  region: string;
  /** Also read account-level state (Anthropic use case) in this Region. */
  accountLevel: boolean;
}

export interface SyncRunFinished {
  runId: string;
}

export const SYNC_JOBS = {
  discover: defineJob<DiscoverPayload>("inventory.discover", {
    retryLimit: 3,
    retryDelaySeconds: 5,
    retryBackoff: true,
  }),
  accountRegion: defineJob<AccountRegionPayload>("inventory.sync-account-region", {
    // stately: at most one queued and one running job per account-Region (singleton key).
    policy: "stately",
    retryLimit: 5,
    retryDelaySeconds: 5,
    retryBackoff: true,
  }),
  scheduled: defineCronJob("inventory.scheduled-sync"),
};

export const SYNC_EVENTS = {
  /** A sync run closed (succeeded, partial or failed): what it read is in the inventory now. */
  runFinished: defineEvent<SyncRunFinished>("inventory.sync-run-finished"),
};

export interface SyncJobSettings {
  defaultRegions: string[];
  jobTimeoutSeconds: number;
  concurrency: number;
  cron: string | undefined;
}

export function createSyncJobs(deps: {
  runs: SyncRunRepository;
  org: OrgRepository;
  state: InventoryStateService;
  discovery: DiscoveryService;
  reader: AccountRegionReader;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  metrics: SyncMetrics;
  settings: SyncJobSettings;
  /** Starts an organization-wide run (the sync service's use case), for the schedule. */
  startScheduledRun(): Promise<unknown>;
  /** Brings stale per-account model counts up to date (the inventory read side's). */
  refreshModelCounts(): Promise<unknown>;
}): JobSet {
  const { runs, org, clock, log, queue } = deps;

  /**
   * Closes the runs with nothing pending left and announces each. Account lists count models
   * afresh for accounts whose stored count went stale: bring them up to date once per run rather
   * than on every read. Neither is fatal: reads stay correct without the refresh, and a missed
   * announcement is caught up by the next run.
   */
  async function closeFinished(runId?: string) {
    for (const { id, status } of await runs.closeFinished(clock.now(), runId)) {
      deps.metrics.syncRunFinished(status);
      await deps
        .refreshModelCounts()
        .catch((err: unknown) => log.warn({ err, runId: id }, "refreshing account model counts failed"));
      await queue
        .publish(SYNC_EVENTS.runFinished, { runId: id })
        .catch((err: unknown) => log.warn({ err, runId: id }, "could not announce the finished sync run"));
    }
  }

  async function discover({ runId }: DiscoverPayload, lastAttempt: boolean) {
    const run = await runs.raw(runId);
    if (!run || run.status === "succeeded" || run.status === "partial" || run.status === "failed") return;
    const at = clock.now();
    await runs.markRunning(runId, at);
    let newAccounts: string[];
    try {
      const snapshot = await deps.discovery.readOrganization();
      ({ newAccounts } = await deps.state.applyOrganization({ runId, snapshot, at }));
    } catch (err) {
      const gateError = err instanceof AwsGateError ? err : undefined;
      // Infrastructure trouble or throttling: retry the job; the last attempt fails the run.
      if ((!gateError || gateError.retryable) && !lastAttempt) throw err;
      await runs.markFailed(
        runId,
        clock.now(),
        err instanceof Error ? err.message : String(err),
        gateError?.gate ?? null,
      );
      deps.metrics.syncRunFinished("failed", gateError?.gate ?? "internal");
      return;
    }
    const [scopes, parents] = await Promise.all([org.regionScopes(), org.parentsOf()]);
    const inScope = await org.accountsInScope(
      run.scope === "ou"
        ? { ouId: run.scopeId as string }
        : run.scope === "organization"
          ? {}
          : { accountId: run.scopeId as string },
    );
    // Accounts discovered just now are synced at once, whatever the run's scope.
    const fresh =
      newAccounts.length > 0 && run.scope !== "organization"
        ? await Promise.all(newAccounts.map((id) => org.accountsInScope({ accountId: id })))
        : [];
    const accounts = new Map([...inScope, ...fresh.flat()].map((a) => [a.id, a]));
    const jobs: AccountRegionPayload[] = [];
    for (const account of accounts.values()) {
      if (account.state !== "ACTIVE") continue; // suspended or closing accounts cannot be entered
      const regions = effectiveRegions(account, scopes, parents, deps.settings.defaultRegions).filter(
        (r) => !run.region || r === run.region,
      );
      jobs.push(...regions.map((region, i) => ({ runId, accountId: account.id, region, accountLevel: i === 0 })));
    }
    await runs.addJobs(runId, jobs);
    await queue.insert(
      SYNC_JOBS.accountRegion,
      jobs.map((payload) => ({ payload, singletonKey: `${payload.accountId}:${payload.region}` })),
    );
    await closeFinished(runId);
    log.info(
      { runId, accounts: accounts.size, jobs: jobs.length, newAccounts: newAccounts.length },
      "sync run fanned out",
    );
  }

  async function syncAccountRegion(job: AccountRegionPayload, attempt: Attempt) {
    const { jobId, lastAttempt } = attempt;
    // The runs waiting on this account-Region now; those requested while it reads wait for the next job.
    const claimed = await runs.claimJobs(job.accountId, job.region, jobId);
    if (claimed.runs === 0) {
      // Another job completed every run this one was queued for (or they were claimed by it).
      await closeFinished();
      return;
    }
    const accountLevel = job.accountLevel || claimed.accountLevel;
    const readStartedAt = clock.now();
    let snapshot: Awaited<ReturnType<AccountRegionReader["read"]>>;
    try {
      snapshot = await deps.reader.read(job.accountId, job.region, { accountLevel });
    } catch (err) {
      const e = toAwsGateError(err, {
        service: "inventory",
        operation: "SyncAccountRegion",
        account: job.accountId,
        region: job.region,
      });
      // Throttled or AWS unavailable even after the SDK's retries: the queue retries later,
      // and the last attempt records the failure so the run still finishes.
      if (e.retryable && !lastAttempt) throw e;
      // The role was assumed (credentials are fine) but the Region rejects the token: AWS's answer
      // in an opt-in Region the account has not enabled. A fact about the account, not a failure.
      const notEnabled =
        e.gate === "credentials" && e.context.operation !== "AssumeRole" && REGION_NOT_ENABLED.has(e.awsCode ?? "");
      await deps.state.applyAccountRegionFailure({
        runId: job.runId,
        jobId,
        outcome: {
          accountId: job.accountId,
          region: job.region,
          ok: false,
          gate: notEnabled ? "region" : e.gate,
          errorCode: e.awsCode ?? "Error",
          errorMessage: notEnabled ? `Region ${job.region} is not enabled in this account: ${e.message}` : e.message,
        },
        at: clock.now(),
        status: notEnabled ? "disabled" : "error",
      });
      deps.metrics.accountRegionJob(notEnabled ? "disabled" : "error", notEnabled ? "region" : e.gate);
      await closeFinished();
      return;
    }
    await deps.state.applyAccountRegion({
      runId: job.runId,
      jobId,
      accountId: job.accountId,
      region: job.region,
      snapshot,
      readStartedAt,
      at: clock.now(),
    });
    deps.metrics.accountRegionJob("ok");
    await closeFinished();
  }

  const { settings } = deps;
  return withCronJob(
    [
      worker(SYNC_JOBS.discover, (p, attempt) => discover(p, attempt.lastAttempt), {
        concurrency: 2,
        pollingIntervalSeconds: 0.5,
        policy: { expireInSeconds: settings.jobTimeoutSeconds },
      }),
      worker(SYNC_JOBS.accountRegion, (p, attempt) => syncAccountRegion(p, attempt), {
        concurrency: settings.concurrency,
        // Free slots are refilled as jobs end, up to 16 jobs per fetch.
        batchSize: Math.max(1, Math.min(16, Math.ceil(settings.concurrency / 8))),
        pollingIntervalSeconds: 0.5,
        policy: { expireInSeconds: settings.jobTimeoutSeconds },
      }),
    ],
    { job: SYNC_JOBS.scheduled, cron: settings.cron, run: () => deps.startScheduledRun() },
  );
}
