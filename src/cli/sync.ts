// `bedrock-governor sync`: request a sync run as the system and, with --wait, work it in this
// process and follow it to the end (a progress bar on a terminal, plain lines otherwise).
import type { Command } from "commander";
import { isAccountId, isOuId, isRegion } from "../kernel/aws-ids.js";
import { type CallContext, SYSTEM_PRINCIPAL } from "../kernel/principal.js";
import type { SyncRunView } from "../modules/inventory/inventory.types.js";
import type { SyncRequest } from "../modules/inventory/sync.service.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

export function registerSyncCommand(program: Command): void {
  program
    .command("sync")
    .description(
      "Request an inventory sync run (audited as the system) and print its id; with --wait, work it in this process and follow it. Exit codes with --wait: 0 succeeded, 3 partial, 1 failed",
    )
    .option("--ou <id>", "sync the accounts under this OU (default: the whole organization)")
    .option("--account <id>", "sync one account")
    .option("--region <region>", "only this Region (with --account: one account-Region)")
    .option("--wait", "run the jobs in this process and follow the run until it finishes")
    .action(runCommand((ctx, opts: SyncCommandOptions) => runSyncCommand(ctx, opts), { name: "sync" }));
}

export interface SyncCommandOptions {
  ou?: string;
  account?: string;
  region?: string;
  wait?: boolean;
}

/** Turns the flags into a sync request, or says in one line what is wrong with them. */
export function syncRequestFromOptions(opts: SyncCommandOptions): SyncRequest {
  if (opts.ou !== undefined && opts.account !== undefined)
    throw new UsageError("--ou and --account are mutually exclusive");
  if (opts.ou !== undefined && !isOuId(opts.ou))
    throw new UsageError(`--ou ${opts.ou}: expected an OU id such as ou-ab12-cd345678`);
  if (opts.account !== undefined && !isAccountId(opts.account))
    throw new UsageError(`--account ${opts.account}: expected a 12-digit AWS account id`);
  if (opts.region !== undefined && !isRegion(opts.region))
    throw new UsageError(`--region ${opts.region}: expected an AWS Region code such as us-east-1`);
  const region = opts.region !== undefined ? { region: opts.region } : {};
  if (opts.account !== undefined)
    return { scope: opts.region !== undefined ? "account_region" : "account", scopeId: opts.account, ...region };
  if (opts.ou !== undefined) return { scope: "ou", scopeId: opts.ou, ...region };
  return { scope: "organization", ...region };
}

export const EXIT_CODES = { succeeded: 0, partial: 3, failed: 1 } as const;

export function exitCodeFor(status: SyncRunView["status"]): number {
  return status === "succeeded" || status === "partial" || status === "failed" ? EXIT_CODES[status] : 1;
}

const isFinished = (run: SyncRunView) =>
  run.status === "succeeded" || run.status === "partial" || run.status === "failed";

function done(run: SyncRunView): number {
  return run.progress.succeeded + run.progress.failed;
}

/** `[#####.....] 412/1000 account-Regions · 3 failed · 42 s` */
export function progressLine(run: SyncRunView, elapsedMs: number, barWidth = 20): string {
  const { total, failed } = run.progress;
  const seconds = `${Math.floor(elapsedMs / 1000)} s`;
  if (total === 0)
    return `[${".".repeat(barWidth)}] ${run.status === "queued" ? "queued" : "discovering"} · ${seconds}`;
  const filled = Math.min(barWidth, Math.floor((done(run) / total) * barWidth));
  const bar = `[${"#".repeat(filled)}${".".repeat(barWidth - filled)}]`;
  return `${bar} ${done(run)}/${total} account-Regions · ${failed} failed · ${seconds}`;
}

/** The end of a run: outcome, counts, and the failures grouped by gate with a few examples each. */
export function summaryLines(run: SyncRunView, elapsedMs: number): string[] {
  const { total, succeeded, failed } = run.progress;
  const lines = [
    `sync run ${run.id} ${run.status} in ${(elapsedMs / 1000).toFixed(1)} s: ${succeeded} of ${total} account-Regions synced, ${failed} failed`,
  ];
  if (run.error) lines.push(`  run failed${run.errorGate ? ` at gate ${run.errorGate}` : ""}: ${run.error}`);
  for (const g of run.errorsByGate) {
    lines.push(`  ${g.gate}: ${g.count} account-Region${g.count === 1 ? "" : "s"}`);
    for (const s of g.sample) lines.push(`    ${s.accountId} ${s.region}: ${s.message ?? "(no message)"}`);
    if (g.count > g.sample.length) lines.push(`    … and ${g.count - g.sample.length} more`);
  }
  return lines;
}

export interface FollowOptions {
  getRun(): Promise<SyncRunView>;
  write(text: string): void;
  /** A terminal: one line redrawn in place. Otherwise a plain line every `plainEveryMs`. */
  tty: boolean;
  pollMs?: number;
  plainEveryMs?: number;
  now?: () => number;
  signal?: AbortSignal;
}

/** Polls the run until it finishes (or `signal` aborts), rendering progress; returns the last view. */
export async function followRun(opts: FollowOptions): Promise<SyncRunView> {
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? (opts.tty ? 250 : 1000);
  const plainEveryMs = opts.plainEveryMs ?? 5000;
  const started = now();
  let lastPlain = -Infinity;
  for (;;) {
    const run = await opts.getRun();
    const elapsed = now() - started;
    const line = progressLine(run, elapsed);
    if (opts.tty) {
      opts.write(`\r\x1b[2K${line}`);
    } else if (isFinished(run) || elapsed - lastPlain >= plainEveryMs) {
      opts.write(`${line}\n`);
      lastPlain = elapsed;
    }
    if (isFinished(run) || opts.signal?.aborted) {
      if (opts.tty) opts.write("\n");
      return run;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Runs the command; returns the process exit code. */
async function runSyncCommand({ runtime: open }: CommandContext, opts: SyncCommandOptions): Promise<number> {
  const io = { stdout: process.stdout };
  const request = syncRequestFromOptions(opts);
  // With --wait this process is a worker too; without, it only enqueues (serve/worker do the work).
  const runtime = await open({ jobs: opts.wait ? "work" : "send" });
  const ctx: CallContext = { principal: SYSTEM_PRINCIPAL };
  const queued = await runtime.services.sync.requestSync(ctx, request, "cli");
  io.stdout.write(`sync run ${queued.id} requested (scope ${describe(request)})\n`);
  if (!opts.wait) return 0;
  return await follow(queued.id);

  async function follow(runId: string): Promise<number> {
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const started = Date.now();
    try {
      const run = await followRun({
        getRun: () => runtime.services.sync.getRun(ctx, runId),
        write: (t) => io.stdout.write(t),
        tty: io.stdout.isTTY === true,
        signal: stop.signal,
      });
      if (!isFinished(run)) {
        io.stdout.write(`stopped following; run ${run.id} is still ${run.status} and continues in any worker\n`);
        return 130;
      }
      io.stdout.write(`${summaryLines(run, Date.now() - started).join("\n")}\n`);
      return exitCodeFor(run.status);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
}

function describe(req: SyncRequest): string {
  return [req.scope, req.scopeId, req.region].filter(Boolean).join(" ");
}
