// The body of `bedrock-governor report` (rendered in this process), run on the report thread
// (report-thread.ts): request the report (audited as cli:<user>), render it with only what
// rendering needs (report-local.ts), write it to the file or to stdout.
import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Config } from "../config.js";
import type { ReportRequest } from "../modules/reports/reports.types.js";
import { operator } from "./operator.js";

/** What the thread is handed: plain data (structured-cloned). */
export interface ReportJob {
  databaseUrl: string;
  request: Omit<ReportRequest, "from" | "to"> & { from: string; to: string };
  output: string | undefined;
}

export async function renderReport(config: Readonly<Config>, job: ReportJob): Promise<number> {
  const { createLogger } = await import("../logger.js");
  const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
  const req: ReportRequest = { ...job.request, from: new Date(job.request.from), to: new Date(job.request.to) };
  const { openLocalReports } = await import("./report-local.js");
  const database = { url: job.databaseUrl, embedded: false, stop: async () => undefined };
  const reports = await openLocalReports(config, log, database, req.format);
  try {
    const ctx = operator();
    let stage = "";
    const report = await reports.render(ctx, req, (r) => {
      if (job.output && r.stage !== stage) {
        stage = r.stage;
        process.stderr.write(`report ${r.id}: ${r.progress}% ${stage}\n`);
      }
    });
    if (report.status !== "ready") {
      process.stderr.write(`report ${report.id} failed: ${report.error ?? "unknown error"}\n`);
      return 1;
    }
    const out = await reports.download(ctx, report.id);
    const target = job.output
      ? createWriteStream(job.output)
      : new Writable({
          write: (chunk, _enc, cb) => (process.stdout.write(chunk) ? cb() : process.stdout.once("drain", cb)),
        });
    await pipeline(out.body, target);
    if (job.output) process.stderr.write(`wrote ${report.sizeBytes} bytes to ${job.output}\n`);
    return 0;
  } finally {
    await reports.close();
  }
}
