// Reconciliation use cases: run it (after a sync, on demand), list findings, suppress one.
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { ForbiddenError, NotFoundError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { DesiredStateSource } from "../catalog/catalog.types.js";
import { createReachabilityEngine } from "../reachability/engine.js";
import type { FactsRepository } from "../reachability/facts.repository.js";
import type { ModelVerdict } from "../reachability/reachability.types.js";
import { type VerdictLine, type VerdictsRepository, verdictLine } from "../reachability/verdicts.repository.js";
import type { ApplyResult, FindingsRepository } from "./findings.repository.js";
import type { ReconcilePayload } from "./reconcile.jobs.js";
import { reconcile } from "./reconcile.js";
import type { Finding, FindingFilter } from "./reconcile.types.js";

export interface ReconcileRunResult extends ApplyResult {
  found: number;
  /** Stored model verdicts that changed (the matrix reads them). */
  verdictsChanged: number;
}

const isIdCursor = (v: unknown): v is { id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { id?: unknown }).id === "string" &&
  /^\d+$/.test((v as { id: string }).id);

export function createReconcileService(deps: {
  db: Database;
  desired: DesiredStateSource;
  inventory: FactsRepository;
  verdicts: VerdictsRepository;
  findings: FindingsRepository;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  settings: { legacyWindowDays: number };
}) {
  const { findings, clock } = deps;

  async function run(job: ReconcilePayload = {}): Promise<ReconcileRunResult> {
    const accountIds = job.accountIds;
    const result = await deps.db.bulkTransaction(
      async (tx) => {
        await findings.lockForApply(tx);
        const now = clock.now();
        const entries = await deps.desired.entries(now);
        // The inventory is read a chunk of accounts at a time; the engine's memo spans the run. A
        // chunk's verdicts and findings are written while the next chunk is read and judged (one
        // chunk in flight), and what was not found is resolved at the end.
        const engine = createReachabilityEngine({ now });
        await findings.openRun(tx);
        let found = 0;
        let verdictsChanged = 0;
        let created = 0;
        let seenAgain = 0;
        let inFlight: Promise<unknown> = Promise.resolve();
        for await (const accounts of deps.inventory.chunks(accountIds === undefined ? {} : { accountIds })) {
          const verdicts: VerdictLine[] = [];
          const candidates = reconcile({
            accounts,
            entries,
            now,
            legacyWindowDays: deps.settings.legacyWindowDays,
            engine,
            verdicts: { push: (...vs: ModelVerdict[]) => verdicts.push(...vs.map(verdictLine)) },
          });
          found += candidates.length;
          await inFlight;
          // One statement at a time on the transaction's connection: the verdicts, then the findings.
          inFlight = (async () => {
            // The matrix and model views show the engine's verdicts as of this run.
            const ids = accounts.map((a) => a.facts.accountId);
            verdictsChanged += await deps.verdicts.replace(ids, verdicts, now, tx);
            const n = await findings.upsertChunk(ids, candidates, now, tx);
            created += n.created;
            seenAgain += n.seenAgain;
          })();
          // Awaited before the next write or the apply; a failure meanwhile must not go unhandled.
          inFlight.catch(() => undefined);
        }
        await inFlight;
        const resolved = await findings.resolveUnseen(now, accountIds === undefined ? {} : { accountIds }, tx);
        return { found, verdictsChanged, created, seenAgain, resolved };
        // A whole organization (hundreds of thousands of model rows) takes longer than a request.
      },
      { timeoutMs: 10 * 60_000 },
    );
    deps.log.info(
      {
        ...result,
        runId: job.runId,
        catalogChangeSetId: job.catalogChangeSetId,
        accounts: accountIds?.length ?? "all",
      },
      "reconciliation applied",
    );
    return result;
  }

  return {
    /** Runs reconciliation now, for a job (after a sync run) or another module (as the system). */
    run,

    /** Runs reconciliation now (admin). */
    async reconcileNow(ctx: CallContext, job: ReconcilePayload = {}): Promise<ReconcileRunResult> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("running reconciliation needs the admin role");
      return run(job);
    },

    async list(
      ctx: CallContext,
      filter: FindingFilter,
      page: { limit: number; cursor?: string },
    ): Promise<Page<Finding>> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const cursor = decodeCursor(page.cursor, isIdCursor);
      const rows = await findings.list(filter, {
        limit: page.limit + 1,
        ...(cursor ? { afterId: cursor.id } : {}),
      });
      return toPage(rows, page.limit, (last) => ({ id: last.id }));
    },

    async get(ctx: CallContext, id: string): Promise<Finding> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const found = /^\d{1,18}$/.test(id) ? await findings.byId(id) : undefined;
      if (!found) throw new NotFoundError(`finding ${id} not found`);
      return found;
    },

    /** Suppresses a finding until `until` (admin or approver), audited with the change. */
    async suppress(ctx: CallContext, id: string, req: { reason: string; until: Date }): Promise<Finding> {
      if (!hasRole(ctx.principal, "admin", "approver"))
        throw new ForbiddenError("suppressing a finding needs the admin or approver role");
      if (req.until.getTime() <= clock.now().getTime())
        throw new ValidationError("`until` must be in the future", [
          { field: "body.until", message: "must be in the future" },
        ]);
      if (!/^\d{1,18}$/.test(id)) throw new NotFoundError(`finding ${id} not found`);
      return deps.db.transaction(async (tx) => {
        const before = await findings.byId(id, tx);
        if (!before) throw new NotFoundError(`finding ${id} not found`);
        const after = await findings.suppress(id, { reason: req.reason, until: req.until, by: ctx.principal.id }, tx);
        if (!after) throw new NotFoundError(`finding ${id} not found`);
        await deps.audit.record(
          ctx,
          {
            action: "finding.suppress",
            targetType: "finding",
            targetId: id,
            before: { status: before.status, key: before.key },
            after: { status: after.status, reason: req.reason, until: req.until.toISOString() },
          },
          tx,
        );
        return after;
      });
    },
  };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
