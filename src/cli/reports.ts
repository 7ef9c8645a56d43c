// `bedrock-governor report`: a compliance report rendered in this process, on a thread with a
// bounded heap (report-thread.ts → report-render.ts → report-local.ts: only what rendering needs),
// requested through the service (audited as cli:<user>), to a file or stdout.
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { isAccountId, isId } from "../kernel/aws-ids.js";
import { REPORT_FORMATS, type ReportFormat, type ReportScope } from "../modules/reports/reports.types.js";
import { client, download } from "./api-client.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerReportCommand(program: Command): Command {
  return (
    program
      .command("report")
      .description("Render a compliance report for a period and scope (jobs run in this process) to a file or stdout")
      // Checked when rendering (not by commander, which would also demand them of `report verify`).
      .option("--from <iso-date>", "period start (inclusive; required to render)")
      .option("--to <iso-date>", "period end (exclusive; required to render)")
      .option("--scope <scope>", "organization, an OU id (ou-…, r-…) or an account id", "organization")
      .option(
        "--format <format>",
        "json, csv (a ZIP of one CSV per section), html, pdf, or evidence (a ZIP: report, CSVs, catalog, audit head, manifest)",
        "pdf",
      )
      .option("-o, --output <file>", "write here (default: stdout)")
      .option("--include-events", "json, csv and evidence: list every invocation of the period")
      .option(
        "--remote",
        "request it through the API (GOVERNOR_URL, GOVERNOR_API_KEY; auditor or admin): the server renders it, this downloads it",
      )
      .action(
        runCommand((ctx, opts: ReportOptionsCli) => (opts.remote ? remoteReport(ctx, opts) : runReport(ctx, opts)), {
          name: "report",
        }),
      )
  );
}

export interface ReportOptionsCli {
  from?: string;
  to?: string;
  scope: string;
  format: string;
  output?: string;
  includeEvents?: boolean;
  remote?: boolean;
}

export function parseScope(v: string): ReportScope {
  if (v === "organization" || v === "org") return { kind: "organization" };
  const [kind, id] = v.includes(":") ? (v.split(":", 2) as [string, string]) : ["", v];
  if ((kind === "account" || kind === "") && isAccountId(id)) return { kind: "account", id };
  if ((kind === "ou" || kind === "") && isId("parentId", id)) return { kind: "ou", id };
  throw new UsageError(`--scope ${v}: expected organization, an OU id (ou-…, r-…) or a 12-digit account id`);
}

export function reportRequestFromOptions(opts: ReportOptionsCli) {
  if (opts.from === undefined) throw new UsageError("--from <iso-date> is required to render a report");
  if (opts.to === undefined) throw new UsageError("--to <iso-date> is required to render a report");
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

async function runReport({ config, database }: CommandContext, opts: ReportOptionsCli): Promise<number> {
  const req = reportRequestFromOptions(opts);
  const { url } = await database();
  // Rendered on a thread with a bounded heap (report-thread.ts), with only what rendering needs.
  const { renderReportOnThread } = await import("./report-thread.js");
  return renderReportOnThread(config, {
    databaseUrl: url,
    request: { ...req, from: req.from.toISOString(), to: req.to.toISOString() },
    output: opts.output,
  });
}

/** The same through the API, as the key's owner: the server renders, this process polls and downloads. */
async function remoteReport({ config }: CommandContext, opts: ReportOptionsCli): Promise<number> {
  const req = reportRequestFromOptions(opts);
  const call = client(config);
  type View = { id: string; status: string; stage: string; progress: number; error: string | null; sizeBytes: number };
  let report = (
    await call<View>("POST", "/v1/reports", {
      body: {
        from: req.from.toISOString(),
        to: req.to.toISOString(),
        scope: req.scope,
        format: req.format,
        ...(opts.includeEvents ? { includeEvents: true } : {}),
      },
    })
  ).body;
  let stage = "";
  while (report.status === "queued" || report.status === "running") {
    if (opts.output && report.stage !== stage) {
      stage = report.stage;
      process.stderr.write(`report ${report.id}: ${report.progress}% ${stage}\n`);
    }
    await sleep(500);
    report = (await call<View>("GET", `/v1/reports/${report.id}`)).body;
  }
  if (report.status !== "ready") {
    process.stderr.write(`report ${report.id} failed: ${report.error ?? "unknown error"}\n`);
    return 1;
  }
  const { bytes } = await download(config, `/v1/reports/${report.id}/download`);
  if (opts.output) {
    await writeFile(opts.output, bytes);
    process.stderr.write(`wrote ${bytes.length} bytes to ${opts.output}\n`);
  } else
    await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())));
  return 0;
}
