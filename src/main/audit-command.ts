// `bedrock-governor audit ingest` and `bedrock-governor report`: operator commands over the
// invocation audit. Both request through the services (audited as cli:<user>); with --wait (and
// always for `report`) the jobs run in this process until the result is there.
import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { isAccountId, isId, isRegion } from "../kernel/aws-ids.js";
import type { Ingestion, InvocationSource } from "../modules/invocations/invocations.types.js";
import { REPORT_FORMATS, type ReportFormat, type ReportScope } from "../modules/reports/reports.types.js";
import { operator, UsageError } from "./operator.js";
import { startJobs, startRuntime } from "./runtime.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AuditIngestOptions {
  source: string;
  account?: string[];
  region?: string[];
  bucket?: string;
  bucketAccount?: string;
  orgId?: string;
  wait?: boolean;
}

export function ingestRequestFromOptions(opts: AuditIngestOptions) {
  if (opts.source !== "lookup" && opts.source !== "s3")
    throw new UsageError(`--source ${opts.source}: expected lookup or s3`);
  for (const a of opts.account ?? [])
    if (!isAccountId(a)) throw new UsageError(`--account ${a}: expected a 12-digit AWS account id`);
  for (const r of opts.region ?? [])
    if (!isRegion(r)) throw new UsageError(`--region ${r}: expected an AWS Region code such as us-east-1`);
  if (opts.bucketAccount !== undefined && !isAccountId(opts.bucketAccount))
    throw new UsageError(`--bucket-account ${opts.bucketAccount}: expected a 12-digit AWS account id`);
  return {
    source: opts.source as InvocationSource,
    params: {
      ...(opts.account?.length ? { accountIds: opts.account } : {}),
      ...(opts.region?.length ? { regions: opts.region } : {}),
      ...(opts.bucket ? { bucket: opts.bucket } : {}),
      ...(opts.bucketAccount ? { bucketAccount: opts.bucketAccount } : {}),
      ...(opts.orgId ? { orgId: opts.orgId } : {}),
    },
  };
}

const summary = (i: Ingestion) =>
  `ingestion ${i.id} ${i.status}: ${i.jobsDone + i.jobsFailed}/${i.jobsTotal} account-Regions, ${i.eventsRead} events read, ${i.eventsAdded} added${i.jobsFailed ? `, ${i.jobsFailed} failed (${i.lastError ?? ""})` : ""}`;

export async function runAuditIngest(config: Readonly<Config>, log: Logger, opts: AuditIngestOptions): Promise<number> {
  const req = ingestRequestFromOptions(opts);
  const runtime = await startRuntime(config, log, { migrate: true });
  try {
    const ctx = operator();
    if (opts.wait) await startJobs(runtime, log);
    let ing = await runtime.services.invocations.requestIngestion(ctx, req.source, req.params);
    process.stdout.write(`${ing.id}\n`);
    if (!opts.wait) return 0;
    while (ing.status === "queued" || ing.status === "running") {
      await sleep(500);
      ing = await runtime.services.invocations.getIngestion(ctx, ing.id);
    }
    process.stdout.write(`${summary(ing)}\n`);
    return ing.status === "succeeded" ? 0 : 1;
  } finally {
    await runtime.queue.stop(config.shutdownTimeoutMs);
    await runtime.close();
  }
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

export async function runReport(config: Readonly<Config>, log: Logger, opts: ReportOptionsCli): Promise<number> {
  const req = reportRequestFromOptions(opts);
  const runtime = await startRuntime(config, log, { migrate: true });
  try {
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
  } finally {
    await runtime.queue.stop(config.shutdownTimeoutMs);
    await runtime.close();
  }
}
