// Sync runs as use cases: request one (validated, audited), read their progress, start the first
// one on a fresh installation. The work itself is the sync jobs' (sync.jobs.ts).
import { randomUUID } from "node:crypto";
import type { Database } from "../../db/prisma.js";
import type { JobQueue } from "../../jobs/queue.js";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import { decodeCursor, isTimeIdCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { SyncRunView, SyncScope } from "./inventory.types.js";
import type { OrgRepository } from "./org.repository.js";
import { SYNC_JOBS } from "./sync.jobs.js";
import type { SyncRunRepository } from "./sync-run.repository.js";

export interface SyncRequest {
  scope: SyncScope;
  scopeId?: string;
  region?: string;
}

export type SyncTrigger = "api" | "cli" | "remediation" | "access_request" | "schedule" | "startup";

export function createSyncService(deps: {
  db: Database;
  runs: SyncRunRepository;
  org: OrgRepository;
  queue: JobQueue;
  audit: AuditService;
}) {
  const { runs, org } = deps;

  async function validate(req: SyncRequest) {
    if (req.scope === "organization") {
      if (req.scopeId) {
        throw new UnprocessableError("an organization sync takes no id", [
          { field: "body.scope.id", message: "must be absent for scope organization" },
        ]);
      }
      return;
    }
    if (!req.scopeId)
      throw new UnprocessableError(`scope ${req.scope} needs an id`, [
        { field: "body.scope.id", message: "is required for this scope" },
      ]);
    if (req.scope === "ou") {
      const found = await org.accountsInScope({ ouId: req.scopeId });
      const known = found.length > 0 || (await org.nodeExists(req.scopeId));
      if (!known)
        throw new UnprocessableError(`unknown OU ${req.scopeId}; run an organization sync first if it is new`, [
          { field: "body.scope.id", message: "unknown OU" },
        ]);
    } else {
      const found = await org.accountsInScope({ accountId: req.scopeId });
      if (found.length === 0) {
        throw new UnprocessableError(`unknown account ${req.scopeId}; run an organization sync first if it is new`, [
          { field: "body.scope.id", message: "unknown account" },
        ]);
      }
    }
    if (req.scope === "account_region" && !req.region) {
      throw new UnprocessableError("scope account_region needs a region", [
        { field: "body.scope.region", message: "is required for this scope" },
      ]);
    }
  }

  async function request(ctx: CallContext, req: SyncRequest, trigger: SyncTrigger): Promise<SyncRunView> {
    await validate(req);
    const id = randomUUID();
    await deps.db.transaction(async (tx) => {
      await runs.create(
        {
          id,
          scope: req.scope,
          ...(req.scopeId ? { scopeId: req.scopeId } : {}),
          ...(req.region ? { region: req.region } : {}),
          trigger,
          requestedBy: ctx.principal.id,
        },
        tx,
      );
      await deps.audit.record(
        ctx,
        {
          action: "sync.request",
          targetType: "sync_run",
          targetId: id,
          after: { scope: req.scope, scopeId: req.scopeId ?? null, region: req.region ?? null, trigger },
        },
        tx,
      );
    });
    await enqueue(id);
    return (await runs.find(id)) as SyncRunView;
  }

  /** A run whose job cannot be queued is failed at once: no worker would ever take it from `queued`. */
  async function enqueue(runId: string): Promise<void> {
    try {
      await deps.queue.send(SYNC_JOBS.discover, { runId });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await runs.markFailed(runId, new Date(), `could not queue the sync job: ${message}`, null);
      throw err;
    }
  }

  return {
    async requestSync(ctx: CallContext, req: SyncRequest, trigger: SyncTrigger = "api"): Promise<SyncRunView> {
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
      const cursor = decodeCursor(page.cursor, isTimeIdCursor);
      const rows = await runs.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
      );
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    /** An organization-wide run started by the schedule (audited as the system). */
    startScheduledRun: () => request({ principal: SYSTEM_PRINCIPAL }, { scope: "organization" }, "schedule"),

    /**
     * On an installation that has never synced, starts the first organization sync at once
     * rather than waiting for the schedule. Safe when several processes start together.
     */
    async initialSyncIfNeverRun(): Promise<SyncRunView | undefined> {
      const first = await deps.db.transaction(async (tx) => {
        await runs.lockInitialSync(tx);
        if ((await runs.count(tx)) > 0) return undefined;
        const id = randomUUID();
        const ctx: CallContext = { principal: SYSTEM_PRINCIPAL };
        await runs.create({ id, scope: "organization", trigger: "startup", requestedBy: SYSTEM_PRINCIPAL.id }, tx);
        await deps.audit.record(
          ctx,
          {
            action: "sync.request",
            targetType: "sync_run",
            targetId: id,
            after: { scope: "organization", trigger: "startup" },
          },
          tx,
        );
        return id;
      });
      if (!first) return undefined;
      await enqueue(first);
      return runs.find(first);
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
