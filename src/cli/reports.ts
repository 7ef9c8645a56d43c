// `bedrock-governor report`: a compliance report rendered in this process (its jobs run here),
// requested through the service (audited as cli:<user>), to a file or stdout.
import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { isAccountId, isId } from "../kernel/aws-ids.js";
import { startJobs } from "../main/runtime.js";
import { REPORT_FORMATS, type ReportFormat, type ReportScope } from "../modules/reports/reports.types.js";
import { operator } from "./operator.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("Render a compliance report for a period and scope (jobs run in this process) to a file or stdout")
    .requiredOption("--from <iso-date>", "period start (inclusive)")
    .requiredOption("--to <iso-date>", "period end (exclusive)")
    .option("--scope <scope>", "organization, an OU id (ou-…, r-…) or an account id", "organization")
    .option("--format <format>", "json, csv, html or pdf", "pdf")
    .option("-o, --output <file>", "write here (default: stdout)")
    .option("--include-events", "json/csv: list every invocation of the period")
    .action(runCommand((ctx, opts: ReportOptionsCli) => runReport(ctx, opts), { name: "report" }));
}

export interface ReportOptionsCli {
  from: string;
  to: string;
  scope: string;
  format: string;
  output?: string;
  includeEvents?: boolean;
}

export function parseScope(v: string): ReportScope {
  if (v === "organization" || v === "org") return { kind: "organization" };
  const [kind, id] = v.includes(":") ? (v.split(":", 2) as [string, string]) : ["", v];
  if ((kind === "account" || kind === "") && isAccountId(id)) return { kind: "account", id };
  if ((kind === "ou" || kind === "") && isId("parentId", id)) return { kind: "ou", id };
  throw new UsageError(`--scope ${v}: expected organization, an OU id (ou-…, r-…) or a 12-digit account id`);
}

export function reportRequestFromOptions(opts: ReportOptionsCli) {
  const from = new Date(opts.from);
  const to = new Date(opts.to);
  if (Number.isNaN(from.getTime())) throw new UsageError(`--from ${opts.from}: expected an ISO 8601 date`);
  if (Number.isNaN(to.getTime())) throw new UsageError(`--to ${opts.to}: expected an ISO 8601 date`);
  if (!(REPORT_FORMATS as readonly string[]).includes(opts.format))
    throw new UsageError(`--format ${opts.format}: expected ${REPORT_FORMATS.join(", ")}`);
  return {
    from,
    to,
    scope: parseScope(opts.scope),
    format: opts.format as ReportFormat,
    options: opts.includeEvents ? { includeEvents: true } : {},
  };
}

async function runReport({ log, runtime: open }: CommandContext, opts: ReportOptionsCli): Promise<number> {
  const req = reportRequestFromOptions(opts);
  const runtime = await open();
  const ctx = operator();
  await startJobs(runtime, log);
  let report = await runtime.services.reports.request(ctx, req);
  let stage = "";
  while (report.status === "queued" || report.status === "running") {
    if (opts.output && report.stage !== stage) {
      stage = report.stage;
      process.stderr.write(`report ${report.id}: ${report.progress}% ${stage}\n`);
    }
    await sleep(300);
    report = await runtime.services.reports.get(ctx, report.id);
  }
  if (report.status !== "ready") {
    process.stderr.write(`report ${report.id} failed: ${report.error ?? "unknown error"}\n`);
    return 1;
  }
  const out = await runtime.services.reports.download(ctx, report.id);
  const target = opts.output
    ? createWriteStream(opts.output)
    : new Writable({
        write: (chunk, _enc, cb) => (process.stdout.write(chunk) ? cb() : process.stdout.once("drain", cb)),
      });
  await pipeline(out.body, target);
  if (opts.output) process.stderr.write(`wrote ${report.sizeBytes} bytes to ${opts.output}\n`);
  return 0;
}
