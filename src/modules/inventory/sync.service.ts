// Sync runs: a run discovers the organization, then fans out one job per account-Region on the
// job queue. Jobs are idempotent (state is diffed, not appended), retried with backoff, never run
// twice at once for one account-Region (a stately queue keyed by account-Region, plus a row lock
// when writing), and an AWS failure is recorded with its gate instead of failing the run.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { AwsGateError, toAwsGateError } from "../../aws/errors.js";
import type { Database } from "../../db/prisma.js";
import type { JobDefinition, JobQueue } from "../../jobs/queue.js";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { AccountRegionRepository } from "./account-region.repository.js";
import type { AccountRegionReader } from "./account-region-sync.service.js";
import type { DiscoveryService } from "./discovery.service.js";
import type { SyncScope } from "./inventory.types.js";
import type { OrgRepository } from "./org.repository.js";
import type { SyncRunRepository, SyncRunView } from "./sync-run.repository.js";

const REGION_NOT_ENABLED = new Set(["UnrecognizedClientException", "InvalidClientTokenId"]);

export const SYNC_JOBS = {
  discover: "inventory.discover",
  accountRegion: "inventory.sync-account-region",
  scheduled: "inventory.scheduled-sync",
} as const;

interface DiscoverJob {
  runId: string;
}
interface AccountRegionJob {
  runId: string;
  accountId: string;
  region: string;
  /** Also read account-level state (Anthropic use case) in this Region. */
  accountLevel: boolean;
}

export interface SyncRequest {
  scope: SyncScope;
  scopeId?: string;
  region?: string;
}

const isRunCursor = (v: unknown): v is { createdAt: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { id?: unknown }).id === "string" &&
  typeof (v as { createdAt?: unknown }).createdAt === "string";

/** Effective Regions of an account: nearest override (account, then each ancestor), else the default. */
export function effectiveRegions(
  account: { id: string; parentId: string | null },
  scopes: Map<string, string[]>,
  parents: Map<string, string | null>,
  defaults: string[],
): string[] {
  let at: string | null = account.id;
  const seen = new Set<string>();
  while (at && !seen.has(at)) {
    seen.add(at);
    const override = scopes.get(at);
    if (override) return override;
    at = at === account.id ? account.parentId : (parents.get(at) ?? null);
  }
  return defaults;
}

export function createSyncService(deps: {
  db: Database;
  runs: SyncRunRepository;
  org: OrgRepository;
  accountRegions: AccountRegionRepository;
  discovery: DiscoveryService;
  reader: AccountRegionReader;
  queue: JobQueue;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  settings: { defaultRegions: string[]; jobTimeoutSeconds: number; concurrency: number; cron: string | undefined };
  /** Called once for each run this process sees finish (reconciliation follows every sync run). */
  onRunFinished?: (runId: string) => Promise<void>;
}) {
  const { runs, org, clock, log } = deps;

  async function closeFinished(runId?: string) {
    for (const id of await runs.closeFinished(clock.now(), runId)) await deps.onRunFinished?.(id);
  }

  async function validate(req: SyncRequest) {
    if (req.scope === "organization") {
      if (req.scopeId) {
        throw new UnprocessableError("an organization sync takes no id", [
          { field: "body.id", message: "must be absent for scope organization" },
        ]);
      }
      return;
    }
    if (!req.scopeId)
      throw new UnprocessableError(`scope ${req.scope} needs an id`, [
        { field: "body.id", message: "is required for this scope" },
      ]);
    if (req.scope === "ou") {
      const found = await org.accountsInScope({ ouId: req.scopeId });
      const known =
        found.length > 0 || (await deps.db.client.orgNode.findUnique({ where: { id: req.scopeId } })) !== null;
      if (!known)
        throw new UnprocessableError(`unknown OU ${req.scopeId}; run an organization sync first if it is new`, [
          { field: "body.id", message: "unknown OU" },
        ]);
    } else {
      const found = await org.accountsInScope({ accountId: req.scopeId });
      if (found.length === 0) {
        throw new UnprocessableError(`unknown account ${req.scopeId}; run an organization sync first if it is new`, [
          { field: "body.id", message: "unknown account" },
        ]);
      }
    }
    if (req.scope === "account_region" && !req.region) {
      throw new UnprocessableError("scope account_region needs a region", [
        { field: "body.region", message: "is required for this scope" },
      ]);
    }
  }

  async function request(ctx: CallContext, req: SyncRequest, trigger: string): Promise<SyncRunView> {
    await validate(req);
    const id = randomUUID();
    await deps.db.transaction(async (tx) => {
      await runs.create(tx, {
        id,
        scope: req.scope,
        ...(req.scopeId ? { scopeId: req.scopeId } : {}),
        ...(req.region ? { region: req.region } : {}),
        trigger,
        requestedBy: ctx.principal.id,
      });
      await deps.audit.record(tx, ctx, {
        action: "sync.request",
        targetType: "sync_run",
        targetId: id,
        after: { scope: req.scope, scopeId: req.scopeId ?? null, region: req.region ?? null, trigger },
      });
    });
    await deps.queue.send(SYNC_JOBS.discover, { runId: id } satisfies DiscoverJob, {
      retryLimit: 3,
      retryDelay: 5,
      retryBackoff: true,
    });
    return (await runs.find(id)) as SyncRunView;
  }

  async function discover({ runId }: DiscoverJob, lastAttempt: boolean) {
    const run = await runs.raw(runId);
    if (!run || run.status === "succeeded" || run.status === "partial" || run.status === "failed") return;
    const at = clock.now();
    await runs.markRunning(runId, at);
    let newAccounts: string[];
    try {
      const snapshot = await deps.discovery.readOrganization();
      ({ newAccounts } = await org.applySnapshot({ runId, snapshot, at }));
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
    const jobs: AccountRegionJob[] = [];
    for (const account of accounts.values()) {
      if (account.state !== "ACTIVE") continue; // suspended or closing accounts cannot be entered
      const regions = effectiveRegions(account, scopes, parents, deps.settings.defaultRegions).filter(
        (r) => !run.region || r === run.region,
      );
      jobs.push(...regions.map((region, i) => ({ runId, accountId: account.id, region, accountLevel: i === 0 })));
    }
    await runs.addJobs(runId, jobs);
    await deps.queue.insert(
      SYNC_JOBS.accountRegion,
      jobs.map((j) => ({ data: j, singletonKey: `${j.accountId}:${j.region}` })),
    );
    await closeFinished(runId);
    log.info(
      { runId, accounts: accounts.size, jobs: jobs.length, newAccounts: newAccounts.length },
      "sync run fanned out",
    );
  }

  async function syncAccountRegion(job: AccountRegionJob, lastAttempt: boolean) {
    let snapshot: Awaited<ReturnType<AccountRegionReader["read"]>>;
    try {
      snapshot = await deps.reader.read(job.accountId, job.region, { accountLevel: job.accountLevel });
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
      await deps.accountRegions.applyFailure({
        runId: job.runId,
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
      await closeFinished();
      return;
    }
    await deps.accountRegions.applySnapshot({
      runId: job.runId,
      accountId: job.accountId,
      region: job.region,
      snapshot,
      at: clock.now(),
    });
    await closeFinished();
  }

  return {
    async requestSync(
      ctx: CallContext,
      req: SyncRequest,
      trigger: "api" | "cli" | "remediation" | "access_request" = "api",
    ): Promise<SyncRunView> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("starting a sync needs the admin role");
      return request(ctx, req, trigger);
    },

    async getRun(ctx: CallContext, id: string): Promise<SyncRunView> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const run = await runs.find(id);
      if (!run) throw new NotFoundError(`sync run ${id} not found`);
      return run;
    },

    async listRuns(ctx: CallContext, page: { limit: number; cursor?: string }): Promise<Page<SyncRunView>> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const cursor = decodeCursor(page.cursor, isRunCursor);
      const rows = await runs.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
      );
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    /** The queues this module consumes, for the job registry. */
    jobDefinitions(): JobDefinition[] {
      return [
        {
          name: SYNC_JOBS.discover,
          queue: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: deps.settings.jobTimeoutSeconds },
          concurrency: 2,
          pollingIntervalSeconds: 0.5,
          handler: (data, meta) => discover(data as DiscoverJob, meta.retryCount >= 3),
        },
        {
          name: SYNC_JOBS.accountRegion,
          // stately: at most one queued and one running job per account-Region (singleton key).
          queue: {
            policy: "stately",
            retryLimit: 5,
            retryDelay: 5,
            retryBackoff: true,
            expireInSeconds: deps.settings.jobTimeoutSeconds,
          },
          concurrency: deps.settings.concurrency,
          // Several small batches rather than one big one: a slow account-Region holds back only its batch.
          batchSize: Math.max(1, Math.min(16, Math.ceil(deps.settings.concurrency / 8))),
          pollingIntervalSeconds: 0.5,
          handler: (data, meta) => syncAccountRegion(data as AccountRegionJob, meta.retryCount >= 5),
        },
        {
          name: SYNC_JOBS.scheduled,
          queue: { policy: "singleton", retryLimit: 1 },
          concurrency: 1,
          handler: async () => {
            await request({ principal: SYSTEM_PRINCIPAL }, { scope: "organization" }, "schedule");
          },
        },
      ];
    },

    schedules() {
      return deps.settings.cron ? [{ name: SYNC_JOBS.scheduled, cron: deps.settings.cron }] : [];
    },

    /**
     * On an installation that has never synced, starts the first organization sync at once
     * rather than waiting for the schedule. Safe when several processes start together.
     */
    async initialSyncIfNeverRun(): Promise<SyncRunView | undefined> {
      const first = await deps.db.transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('inventory:initial-sync'))) AS l`;
        if ((await tx.syncRun.count()) > 0) return undefined;
        const id = randomUUID();
        const ctx: CallContext = { principal: SYSTEM_PRINCIPAL };
        await runs.create(tx, { id, scope: "organization", trigger: "startup", requestedBy: SYSTEM_PRINCIPAL.id });
        await deps.audit.record(tx, ctx, {
          action: "sync.request",
          targetType: "sync_run",
          targetId: id,
          after: { scope: "organization", trigger: "startup" },
        });
        return id;
      });
      if (!first) return undefined;
      await deps.queue.send(SYNC_JOBS.discover, { runId: first } satisfies DiscoverJob, {
        retryLimit: 3,
        retryDelay: 5,
        retryBackoff: true,
      });
      return runs.find(first);
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
