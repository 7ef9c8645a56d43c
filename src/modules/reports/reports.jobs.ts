// Rendering a report is a job: sections are read through server-side cursors and written by the
// format's renderer into stored chunks (with progress), so memory holds one batch at a time.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { defineJob, type JobSet, worker } from "../../jobs/job.js";
import type { Clock } from "../../lib/clock.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { loadControlMapping } from "./control-mapping.js";
import type { EvidenceSources } from "./evidence-package.js";
import { renderReport } from "./render-report.js";
import { createReportEvidenceRepository } from "./report-evidence.repository.js";
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
 * Writes into chunks of CHUNK_BYTES, stored in order. Text is encoded into the chunk's buffer as it
 * comes: no string outlives the write that brought it (joined strings would be flattened into one
 * large string per chunk, in V8's large-object space, which only a full collection frees), and one
 * Buffer is allocated per chunk, not per write.
 */
export function chunkSink(store: (seq: number, data: Buffer) => Promise<void>) {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let size = 0;
  let seq = 0;
  const flush = async () => {
    if (size === 0) return;
    const data = size === chunk.length ? chunk : chunk.subarray(0, size);
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    size = 0;
    await store(seq++, data);
  };
  const sink: ReportSink & { flush(): Promise<void> } = {
    async write(data) {
      let bytes = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
      if (bytes === 0) return;
      if (typeof data === "string" && bytes <= CHUNK_BYTES - size) {
        size += chunk.write(data, size, "utf8");
      } else {
        // Larger than the room left: copied through in pieces (strings encoded once).
        let src = typeof data === "string" ? Buffer.from(data, "utf8") : data;
        while (bytes > 0) {
          const n = Math.min(bytes, CHUNK_BYTES - size);
          src.copy(chunk, size, 0, n);
          size += n;
          src = src.subarray(n);
          bytes -= n;
          if (size === CHUNK_BYTES) await flush();
        }
      }
      if (size >= CHUNK_BYTES) await flush();
    },
    flush,
  };
  return sink;
}

export function createReportsJobs(deps: {
  db: Database;
  repo: ReportsRepository;
  facts: PolicyFactsRepository;
  /** What an evidence package holds besides the report. */
  evidence: EvidenceSources;
  clock: Clock;
  log: Logger;
  /** How far back the first invocation ingestion of an account-Region reads (for the coverage statement). */
  lookbackDays: number;
  /** Marks the report ready with its hash anchored in the audit log and its statement signed. */
  seal: Pick<ReportEvidenceService, "seal">;
  /** Called once a report is ready (scheduled reports are delivered from here). */
  afterReady?: (report: Report) => Promise<void>;
}): JobSet {
  const { repo, clock } = deps;
  // Read once: an invalid mapping stops the worker at start, not a report half-way.
  const mapping = loadControlMapping();
  const evidence = createReportEvidenceRepository(deps.db);

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
    const includeEvents = report.options.includeEvents === true && ["json", "csv", "evidence"].includes(report.format);
    // Sections are streamed once: a package of several files builds them anew for each (and its
    // PDF, for reading, never lists every invocation).
    const build = (withEvents: boolean) =>
      buildSections(repo, meta, {
        includeEvents: includeEvents && withEvents,
        evidence,
        mapping,
        lookbackDays: deps.lookbackDays,
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
    await renderReport(report.format, meta, build, deps.evidence, sink, async (done, stage) => {
      await repo.progress(id, 5 + 90 * done, stage);
    });
    await sink.flush();
    await deps.seal.seal(report, { sha256: hash.digest("hex"), sizeBytes, generatedAt: meta.generatedAt });
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
