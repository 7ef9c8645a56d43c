// `bedrock-governor invocations ingest` (formerly `audit ingest`, kept as an alias): Bedrock
// invocations from CloudTrail, requested through the service (audited as cli:<user>); with --wait
// the jobs run in this process until the ingestion is done.
import type { Command } from "commander";
import { isAccountId, isRegion } from "../kernel/aws-ids.js";
import type { Ingestion, InvocationSource } from "../modules/invocations/invocations.types.js";
import { client } from "./api-client.js";
import { operator } from "./operator.js";
import { collect } from "./options.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function registerInvocationsCommands(program: Command): void {
  const invocations = program
    .command("invocations")
    .description("Bedrock invocations from CloudTrail (operator access, audited as cli:<user>)");
  addIngestCommand(invocations, "invocations ingest");
}

/**
 * `<parent> ingest`: `invocations ingest`, and `audit ingest`, its former spelling (hidden from
 * help, same flags and behaviour). `name` is how usage errors name the command.
 */
export function addIngestCommand(parent: Command, name: string, opts: { hidden?: boolean } = {}): void {
  parent
    .command("ingest", opts.hidden ? { hidden: true } : {})
    .description(
      "Ingest invocations from LookupEvents or the organization trail in S3, per account-Region from its checkpoint; prints the ingestion id. Exit codes with --wait: 0 succeeded, 3 partial (some account-Regions failed), 1 failed",
    )
    .option(
      "--source <lookup|s3>",
      "LookupEvents per account-Region, or the organization trail's files in S3",
      "lookup",
    )
    .option("--account <id>", "only this account (repeat or comma-separate)", collect)
    .option("--region <region>", "only this Region (repeat or comma-separate)", collect)
    .option("--bucket <name>", "s3: the organization trail bucket (default INVOCATIONS_TRAIL_BUCKET)")
    .option("--bucket-account <id>", "s3: the account that owns the bucket (default INVOCATIONS_TRAIL_BUCKET_ACCOUNT)")
    .option("--org-id <id>", "s3: the organization id in the key prefix (default: DescribeOrganization)")
    .option("--wait", "run the jobs in this process and wait for the result")
    .option(
      "--remote",
      "start it through the API (GOVERNOR_URL, GOVERNOR_API_KEY; admin or auditor) instead: the server's workers run the jobs, --wait follows them",
    )
    .action(runCommand((ctx, o: IngestOptions) => (o.remote ? ingestRemote(ctx, o) : ingest(ctx, o)), { name }));
}

export interface IngestOptions {
  source: string;
  account?: string[];
  region?: string[];
  bucket?: string;
  bucketAccount?: string;
  orgId?: string;
  wait?: boolean;
  remote?: boolean;
}

export function ingestRequestFromOptions(opts: IngestOptions) {
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

/** `[#####.....] 3/8 account-Regions · 1 failed · 120 events read · 4 s` */
export function ingestProgressLine(i: Ingestion, elapsedMs: number, barWidth = 20): string {
  const seconds = `${Math.floor(elapsedMs / 1000)} s`;
  const done = i.jobsDone + i.jobsFailed;
  if (i.jobsTotal === 0) return `[${".".repeat(barWidth)}] ${i.status} · ${seconds}`;
  const filled = Math.min(barWidth, Math.floor((done / i.jobsTotal) * barWidth));
  return `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}] ${done}/${i.jobsTotal} account-Regions · ${i.jobsFailed} failed · ${i.eventsRead} events read · ${seconds}`;
}

/** Exit codes with --wait, the same as `sync --wait`: 0 succeeded, 3 partial, 1 failed. */
export function ingestExitCode(status: Ingestion["status"]): number {
  return status === "succeeded" ? 0 : status === "partial" ? 3 : 1;
}

async function ingest({ runtime: open }: CommandContext, opts: IngestOptions): Promise<number> {
  const req = ingestRequestFromOptions(opts);
  const runtime = await open({ jobs: opts.wait ? "work" : "send" });
  const ctx = operator();
  const ing = await runtime.services.invocations.requestIngestion(ctx, req.source, req.params);
  process.stdout.write(`${ing.id}\n`);
  if (!opts.wait) return 0;
  return follow(ing, (id) => runtime.services.invocations.getIngestion(ctx, id));
}

/** The same through the API, as the key's owner: the server's workers do the work. */
async function ingestRemote({ config }: CommandContext, opts: IngestOptions): Promise<number> {
  const req = ingestRequestFromOptions(opts);
  const call = client(config);
  const res = await call<Ingestion>("POST", "/v1/invocation-ingestions", {
    body: { source: req.source, ...req.params },
  });
  process.stdout.write(`${res.body.id}\n`);
  if (!opts.wait) return 0;
  return follow(res.body, async (id) => (await call<Ingestion>("GET", `/v1/invocation-ingestions/${id}`)).body);
}

/** Where `follow` writes: the process's streams, or others of the same shape. */
export interface FollowOutput {
  stdout: Pick<NodeJS.WriteStream, "write">;
  stderr: Pick<NodeJS.WriteStream, "write" | "isTTY">;
}

/** Polls an ingestion until it ends, drawing progress; returns the exit code. */
export async function follow(
  first: Ingestion,
  get: (id: string) => Promise<Ingestion>,
  out: FollowOutput = process,
): Promise<number> {
  let ing = first;
  // Progress goes to stderr (stdout is the result): redrawn on a terminal, a plain line every 5 s and at the end otherwise.
  const tty = out.stderr.isTTY === true;
  const started = Date.now();
  let lastPlain = -Infinity;
  while (ing.status === "queued" || ing.status === "running") {
    await sleep(500);
    ing = await get(ing.id);
    const elapsed = Date.now() - started;
    if (tty) out.stderr.write(`\r\x1b[2K${ingestProgressLine(ing, elapsed)}`);
    else if (elapsed - lastPlain >= 5000 || (ing.status !== "queued" && ing.status !== "running")) {
      out.stderr.write(`${ingestProgressLine(ing, elapsed)}\n`);
      lastPlain = elapsed;
    }
  }
  if (tty) out.stderr.write("\n");
  out.stdout.write(`${summary(ing)}\n`);
  return ingestExitCode(ing.status);
}
