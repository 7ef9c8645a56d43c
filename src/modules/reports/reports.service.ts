// Compliance reports: requested through the API or CLI, rendered by a background job into stored
// chunks (with progress), downloaded when ready.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import type { JobDefinition, JobQueue } from "../../jobs/queue.js";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
} from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { CONTENT_TYPES, RENDERERS } from "./render.js";
import { buildSections } from "./report-sections.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Report, ReportMeta, ReportRequest, ReportScope, ReportSink } from "./reports.types.js";

export const REPORT_JOBS = { render: "reports.render" } as const;
const DAY_MS = 86_400_000;
const CHUNK_BYTES = 256 * 1024;
const RETRIES = 2;

/**
 * Buffers writes into chunks of about CHUNK_BYTES, stored in order. Text is kept as strings and
 * encoded once per chunk: one Buffer per 256 KB rather than one per write, which keeps the
 * process's native memory flat on reports of millions of rows.
 */
export function chunkSink(store: (seq: number, data: Buffer) => Promise<void>) {
  let parts: Array<string | Buffer> = [];
  let size = 0;
  let seq = 0;
  const flush = async () => {
    if (size === 0) return;
    const data =
      parts.length === 1 && typeof parts[0] === "string"
        ? Buffer.from(parts[0], "utf8")
        : Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
    parts = [];
    size = 0;
    await store(seq++, data);
  };
  const sink: ReportSink & { flush(): Promise<void> } = {
    async write(data) {
      const length = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
      if (length === 0) return;
      // Consecutive strings are joined as they come (a rope until encoded).
      const last = parts.length - 1;
      if (typeof data === "string" && typeof parts[last] === "string") parts[last] += data;
      else parts.push(data);
      size += length;
      if (size >= CHUNK_BYTES) await flush();
    },
    flush,
  };
  return sink;
}

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

  /** Accounts in scope (undefined: organization) and the ids catalog entries may be scoped to. */
  async function resolveScope(
    scope: ReportScope,
  ): Promise<{ accountIds?: string[]; scopeIds?: Set<string> } | undefined> {
    if (scope.kind === "organization") return {};
    if (scope.kind === "account") {
      if (!(await repo.accountExists(scope.id))) return undefined;
      return { accountIds: [scope.id], scopeIds: new Set((await deps.facts.lineage(scope.id)) ?? [scope.id]) };
    }
    const accountIds = await repo.accountsUnder(scope.id);
    if (accountIds === undefined) return undefined;
    const [lineage, below] = await Promise.all([deps.facts.lineage(scope.id), deps.facts.descendants(scope.id)]);
    return { accountIds, scopeIds: new Set([...(lineage ?? [scope.id]), ...below, ...accountIds]) };
  }

  async function render(id: string): Promise<void> {
    const report = await repo.byId(id);
    if (!report) return; // deleted meanwhile: nothing to do
    await repo.start(id);
    const scope = await resolveScope(report.scope);
    if (scope === undefined) {
      await repo.fail(id, "the scope no longer exists in the inventory", clock.now());
      return;
    }
    const meta: ReportMeta = {
      id,
      title: "Amazon Bedrock compliance report",
      generatedAt: clock.now(),
      from: report.from,
      to: report.to,
      scope: report.scope,
      ...(scope.accountIds ? { accountIds: scope.accountIds } : {}),
    };
    const includeEvents =
      report.options.includeEvents === true && (report.format === "json" || report.format === "csv");
    const sections = await buildSections(repo, meta, {
      includeEvents,
      ...(scope.scopeIds ? { scopeIds: scope.scopeIds } : {}),
    });
    const sink = chunkSink((seq, data) => repo.appendChunk(id, seq, data));
    await RENDERERS[report.format](meta, sections, sink, async (i, s) => {
      await repo.progress(id, 5 + (90 * i) / sections.length, s.id);
    });
    await sink.flush();
    await repo.finish(id, clock.now());
  }

  return {
    render,

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
      if (req.options.includeEvents && req.format !== "json" && req.format !== "csv")
        throw new UnprocessableError(
          "every invocation is listed only in JSON and CSV reports",
          [{ field: "body.includeEvents", message: "needs format json or csv" }],
          "EVENTS_NEED_DATA_FORMAT",
        );
      if ((await resolveScope(req.scope)) === undefined)
        throw new UnprocessableError(
          `${req.scope.kind} ${req.scope.kind === "organization" ? "" : req.scope.id} is not in the inventory`,
          [{ field: "body.scope", message: "unknown OU or account" }],
          "SCOPE_UNKNOWN",
        );
      const id = randomUUID();
      const report = await deps.db.transaction(async (tx) => {
        const created = await repo.create(tx, {
          id,
          format: req.format,
          from: req.from,
          to: req.to,
          scope: req.scope,
          options: req.options,
          requestedBy: ctx.principal.id,
          now: clock.now(),
        });
        await deps.audit.record(tx, ctx, {
          action: "report.request",
          targetType: "report",
          targetId: id,
          after: {
            format: req.format,
            from: req.from.toISOString(),
            to: req.to.toISOString(),
            scope: req.scope,
            ...req.options,
          },
        });
        return created;
      });
      await deps.queue.send(REPORT_JOBS.render, { reportId: id }, { retryLimit: RETRIES, retryDelay: 5 });
      return report;
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
        filename: `bedrock-compliance-${day(report.from)}-${day(report.to)}.${report.format}`,
        body: repo.chunks(id),
      };
    },

    jobDefinitions(): JobDefinition[] {
      return [
        {
          name: REPORT_JOBS.render,
          queue: { retryLimit: RETRIES, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 },
          concurrency: 2,
          pollingIntervalSeconds: 0.5,
          handler: async (data, meta) => {
            const { reportId } = data as { reportId: string };
            try {
              await render(reportId);
            } catch (err) {
              deps.log.warn({ err, reportId }, "report rendering failed");
              if (meta.retryCount >= RETRIES)
                await repo.fail(reportId, err instanceof Error ? err.message : String(err), clock.now());
              throw err;
            }
          },
        },
      ];
    },
  };
}

export type ReportsService = ReturnType<typeof createReportsService>;
