// Compliance reports: requested through the API or CLI, rendered by a background job into stored
// chunks (with progress), downloaded when ready.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import type { JobQueue } from "../../jobs/queue.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, isTimeIdCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { CONTENT_TYPES, FILE_SUFFIXES } from "./render-report.js";
import { resolveScope } from "./report-scope.js";
import { REPORT_JOBS } from "./reports.jobs.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Report, ReportRequest } from "./reports.types.js";

const DAY_MS = 86_400_000;

export function createReportsService(deps: {
  db: Database;
  repo: ReportsRepository;
  facts: PolicyFactsRepository;
  audit: AuditService;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
}) {
  const { repo, clock } = deps;

  const reader = (ctx: CallContext) => {
    if (!hasRole(ctx.principal, "auditor")) throw new ForbiddenError("reports need the auditor or admin role");
  };

  return {
    /** Queues a report (auditor or admin), audited. */
    async request(ctx: CallContext, req: ReportRequest): Promise<Report> {
      reader(ctx);
      if (req.from.getTime() >= req.to.getTime())
        throw new ValidationError("`from` must be before `to`", [
          { field: "body.from", message: "must be before `to`" },
        ]);
      if (req.to.getTime() - req.from.getTime() > 3 * 366 * DAY_MS)
        throw new ValidationError("a report covers at most three years", [
          { field: "body.to", message: "at most three years after `from`" },
        ]);
      if (req.options.includeEvents && req.format !== "json" && req.format !== "csv" && req.format !== "evidence")
        throw new UnprocessableError(
          "every invocation is listed only in JSON, CSV and evidence reports",
          [{ field: "body.includeEvents", message: "needs format json, csv or evidence" }],
          "EVENTS_NEED_DATA_FORMAT",
        );
      if ((await resolveScope(req.scope, repo, deps.facts)) === undefined)
        throw new UnprocessableError(
          `${req.scope.kind} ${req.scope.kind === "organization" ? "" : req.scope.id} is not in the inventory`,
          [{ field: "body.scope.id", message: "unknown OU or account" }],
          "SCOPE_UNKNOWN",
        );
      const id = randomUUID();
      const report = await deps.db.transaction(async (tx) => {
        const created = await repo.create(
          {
            id,
            format: req.format,
            from: req.from,
            to: req.to,
            scope: req.scope,
            options: req.options,
            requestedBy: ctx.principal.id,
            now: clock.now(),
            ...(req.scheduleId ? { scheduleId: req.scheduleId } : {}),
          },
          tx,
        );
        await deps.audit.record(
          ctx,
          {
            action: "report.request",
            targetType: "report",
            targetId: id,
            after: {
              format: req.format,
              from: req.from.toISOString(),
              to: req.to.toISOString(),
              scope: req.scope,
              ...req.options,
              ...(req.scheduleId ? { scheduleId: req.scheduleId } : {}),
            },
          },
          tx,
        );
        return created;
      });
      await deps.queue.send(REPORT_JOBS.render, { reportId: id });
      return report;
    },

    /** Every report requested, newest first (the history auditors download from). */
    async list(ctx: CallContext, page: { limit: number; cursor?: string }): Promise<Page<Report>> {
      reader(ctx);
      const cursor = decodeCursor(page.cursor, isTimeIdCursor);
      const rows = await repo.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
      );
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt.toISOString(), id: last.id }));
    },

    async get(ctx: CallContext, id: string): Promise<Report> {
      reader(ctx);
      const found = /^[0-9a-f-]{36}$/i.test(id) ? await repo.byId(id) : undefined;
      if (!found) throw new NotFoundError(`report ${id} not found`);
      return found;
    },

    /** The rendered report, streamed from its chunks. */
    async download(
      ctx: CallContext,
      id: string,
    ): Promise<{ report: Report; contentType: string; filename: string; body: AsyncIterable<Buffer> }> {
      const report = await this.get(ctx, id);
      if (report.status !== "ready")
        throw new ConflictError(
          `report ${id} is ${report.status}`,
          { reportStatus: report.status },
          "REPORT_NOT_READY",
        );
      const day = (d: Date) => d.toISOString().slice(0, 10);
      return {
        report,
        contentType: CONTENT_TYPES[report.format],
        filename: `bedrock-compliance-${day(report.from)}-${day(report.to)}${FILE_SUFFIXES[report.format]}`,
        body: repo.chunks(id),
      };
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
