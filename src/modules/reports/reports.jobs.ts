// Rendering a report is a job: sections are read through server-side cursors and written by the
// format's renderer into stored chunks (with progress), so memory holds one batch at a time.
import type { Logger } from "pino";
import { defineJob, type JobSet, worker } from "../../jobs/job.js";
import type { Clock } from "../../lib/clock.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { RENDERERS } from "./render.js";
import { resolveScope } from "./report-scope.js";
import { buildSections } from "./report-sections.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { ReportMeta, ReportSink } from "./reports.types.js";

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
  repo: ReportsRepository;
  facts: PolicyFactsRepository;
  clock: Clock;
  log: Logger;
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
    const sink = chunkSink((seq, data) => repo.appendChunk(id, seq, data));
    await RENDERERS[report.format](meta, sections, sink, async (i, s) => {
      await repo.progress(id, 5 + (90 * i) / sections.length, s.id);
    });
    await sink.flush();
    await repo.finish(id, clock.now());
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
