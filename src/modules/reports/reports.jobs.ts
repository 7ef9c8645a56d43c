// Rendering a report is a job: sections are read through server-side cursors and written by the
// format's renderer into stored chunks (with progress), so memory holds one batch at a time.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { defineJob, type JobSet, worker } from "../../jobs/job.js";
import type { Clock } from "../../lib/clock.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { RENDERERS } from "./render.js";
import type { ReportEvidenceService } from "./report-evidence.service.js";
import { resolveScope } from "./report-scope.js";
import { buildSections } from "./report-sections.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Report, ReportMeta, ReportSink } from "./reports.types.js";

const CHUNK_BYTES = 256 * 1024;

export const REPORT_JOBS = {
  render: defineJob<{ reportId: string }>("reports.render", {
    retryLimit: 2,
    retryDelaySeconds: 5,
    retryBackoff: true,
    expireInSeconds: 3600,
  }),
};

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

export function createReportsJobs(deps: {
  repo: ReportsRepository;
  facts: PolicyFactsRepository;
  clock: Clock;
  log: Logger;
  /** Marks the report ready with its hash anchored in the audit log and its statement signed. */
  evidence: Pick<ReportEvidenceService, "seal">;
  /** Called once a report is ready (scheduled reports are delivered from here). */
  afterReady?: (report: Report) => Promise<void>;
}): JobSet {
  const { repo, clock } = deps;

  async function render(id: string): Promise<void> {
    const report = await repo.byId(id);
    if (!report) return; // deleted meanwhile: nothing to do
    await repo.start(id);
    const scope = await resolveScope(report.scope, repo, deps.facts);
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
    // The hash covers exactly the stored bytes, in order, as they are written.
    const hash = createHash("sha256");
    let sizeBytes = 0;
    const sink = chunkSink(async (seq, data) => {
      hash.update(data);
      sizeBytes += data.length;
      await repo.appendChunk(id, seq, data);
    });
    await RENDERERS[report.format](meta, sections, sink, async (i, s) => {
      await repo.progress(id, 5 + (90 * i) / sections.length, s.id);
    });
    await sink.flush();
    await deps.evidence.seal(report, { sha256: hash.digest("hex"), sizeBytes, generatedAt: meta.generatedAt });
    await deps.afterReady?.(report);
  }

  return {
    workers: [
      worker(
        REPORT_JOBS.render,
        async ({ reportId }, attempt) => {
          try {
            await render(reportId);
          } catch (err) {
            deps.log.warn({ err, reportId }, "report rendering failed");
            if (attempt.lastAttempt)
              await repo.fail(reportId, err instanceof Error ? err.message : String(err), clock.now());
            throw err;
          }
        },
        { concurrency: 2, pollingIntervalSeconds: 0.5 },
      ),
    ],
    schedules: [],
  };
}
