// bench:sync's side of the bare SDK loop (bench/sdk-loop.ts): reads what the service's run synced
// from its database (account-Regions with their models, OUs, policies), forks the loop with the
// workers' environment, and measures the loop process's CPU from /proc around the calls, the
// sandbox's apart.
import { type ChildProcess, fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import type pg from "pg";
import { buildBenchScript, peakRssMb } from "./common.js";
import type { SandboxCounts } from "./sandbox-process.js";
import type { SdkLoopPlan, SdkLoopResult } from "./sdk-loop.js";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
}

/** Busy and total jiffies of the whole machine (every process, Postgres included), from /proc/stat. */
export async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] as string;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** The share of the machine's CPU time that was busy between two readings of `machineTicks`. */
export function busyFraction(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  return (after.busy - before.busy) / Math.max(1, after.total - before.total);
}

export interface SdkLoopMeasurement {
  /** Loop processes the plan was split over. */
  processes: number;
  calls: number;
  /** Calls the sandbox received during the loop (retries included), by operation. */
  sandboxCounts: SandboxCounts;
  errors: Record<string, number>;
  skipped: string[];
  wallSeconds: number;
  cpuSeconds: number;
  cpuMsPerCall: number;
  sandboxCpuSeconds: number;
  /** How busy the whole machine was during the calls (0–1). */
  machineBusyFraction: number;
  /** The largest loop process's peak RSS (VmHWM), Node's default flags. */
  peakRssMb: number | undefined;
}

/** The plan's targets, read from the service run's results. */
export async function planFromDatabase(
  client: pg.Client,
  calls: Record<string, number>,
  inFlight: number,
): Promise<SdkLoopPlan> {
  const accounts = (await client.query<{ id: string }>("SELECT id FROM accounts ORDER BY id")).rows.map((r) => r.id);
  const models = await client.query<{ account_id: string; region: string; models: string[] }>(
    `SELECT ar.account_id, ar.region, coalesce(array_agg(ma.model_id ORDER BY ma.model_id)
       FILTER (WHERE ma.model_id IS NOT NULL), '{}') AS models
     FROM account_regions ar LEFT JOIN model_access ma USING (account_id, region)
     WHERE ar.status = 'ok' GROUP BY ar.account_id, ar.region ORDER BY ar.account_id, ar.region`,
  );
  const parents = (await client.query<{ id: string }>("SELECT id FROM org_nodes ORDER BY id")).rows.map((r) => r.id);
  const policies = (await client.query<{ id: string; type: string }>("SELECT id, type FROM org_policies ORDER BY id"))
    .rows;
  return {
    type: "plan",
    calls,
    accounts,
    accountRegions: models.rows.map((r) => ({ account: r.account_id, region: r.region, models: r.models })),
    parents,
    policies,
    inFlight,
  };
}

/**
 * The plan split over `n` processes, as the service's calls are split over its workers: process k
 * takes the accounts at k, k + n, … (so each assumes only its own accounts' roles), their
 * account-Regions, an nth of every operation's calls and an nth of the calls in flight.
 */
export function splitPlan(plan: SdkLoopPlan, n: number): SdkLoopPlan[] {
  return Array.from({ length: n }, (_, k) => {
    const accounts = plan.accounts.filter((_, i) => i % n === k);
    const mine = new Set(accounts);
    const share = (total: number) => Math.floor(total / n) + (k < total % n ? 1 : 0);
    return {
      ...plan,
      accounts,
      accountRegions: plan.accountRegions.filter((t) => mine.has(t.account)),
      calls: Object.fromEntries(Object.entries(plan.calls).map(([op, count]) => [op, share(count)])),
      inFlight: Math.max(1, share(plan.inFlight)),
    };
  });
}

async function startLoop(env: Record<string, string>): Promise<ChildProcess> {
  // Built like the workers (plain JavaScript in dist/, no tsx loader in the process measured).
  const child: ChildProcess = fork(buildBenchScript("sdk-loop.ts"), [], {
    // BENCH_SDK_LOOP_NODE_ARGS: Node flags for the loop (`--cpu-prof --cpu-prof-dir=DIR`).
    execArgv: (process.env.BENCH_SDK_LOOP_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
    // Node's defaults, as the workers' default; no heap flag.
    env: { ...process.env, ...env, NODE_OPTIONS: "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sdk loop exited with ${code}`)));
    child.once("message", () => resolve());
  });
  child.removeAllListeners("exit");
  return child;
}

function runIn(child: ChildProcess, plan: SdkLoopPlan): Promise<SdkLoopResult> {
  return new Promise<SdkLoopResult>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sdk loop exited with ${code}`)));
    child.on("message", (m: SdkLoopResult) => {
      if (m.type === "result") resolve(m);
    });
    child.send(plan);
  });
}

/**
 * Forks `processes` loops (default 1), gives each its share of the plan at once, and measures them
 * together: CPU summed, wall time until the last one ends, peak RSS of the largest. `counts` asks
 * the sandbox for its counters (after a reset).
 */
export async function runSdkLoop(opts: {
  env: Record<string, string>;
  plan: SdkLoopPlan;
  processes?: number;
  sandboxPid: number;
  resetCounts(): Promise<void>;
  counts(): Promise<SandboxCounts>;
}): Promise<SdkLoopMeasurement> {
  const plans = splitPlan(opts.plan, opts.processes ?? 1);
  const children: ChildProcess[] = [];
  try {
    for (const _ of plans) children.push(await startLoop(opts.env));
    await opts.resetCounts();
    const pids = children.map((c) => c.pid as number);
    const cpuBefore = await Promise.all([...pids, opts.sandboxPid].map(cpuSeconds));
    const machineBefore = await machineTicks();
    const started = performance.now();
    const results = await Promise.all(children.map((c, k) => runIn(c, plans[k] as SdkLoopPlan)));
    const wallSeconds = (performance.now() - started) / 1000;
    const machineAfter = await machineTicks();
    const cpuAfter = await Promise.all([...pids, opts.sandboxPid].map(cpuSeconds));
    const sandboxCounts = await opts.counts();
    const peaks = await Promise.all(pids.map(peakRssMb));
    const used = cpuAfter.map((c, i) => c - (cpuBefore[i] as number));
    const cpu = used.slice(0, -1).reduce((a, b) => a + b, 0);
    const errors: Record<string, number> = {};
    for (const r of results) for (const [name, n] of Object.entries(r.errors)) errors[name] = (errors[name] ?? 0) + n;
    return {
      processes: plans.length,
      calls: sandboxCounts.total,
      sandboxCounts,
      errors,
      skipped: [...new Set(results.flatMap((r) => r.skipped))],
      wallSeconds,
      cpuSeconds: cpu,
      cpuMsPerCall: (cpu * 1000) / Math.max(1, sandboxCounts.total),
      sandboxCpuSeconds: used.at(-1) as number,
      machineBusyFraction: busyFraction(machineBefore, machineAfter),
      peakRssMb: peaks.every((p) => p !== undefined) ? Math.max(...(peaks as number[])) : undefined,
    };
  } finally {
    for (const child of children) {
      child.removeAllListeners("exit");
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
    }
  }
}

/** How many accounts the memory-floor loop spreads its calls over (× the run's Regions). */
export const FLOOR_ACCOUNTS = 64;
/** Availability calls the memory-floor loop makes (at most the run's own). */
export const FLOOR_CALLS = 100_000;

/**
 * The memory floor of the run's commonest call: a fresh loop process making only
 * `GetFoundationModelAvailability` calls (and the AssumeRoles they sign with) over the first
 * FLOOR_ACCOUNTS accounts' account-Regions, with one bare-loop process's share of the calls in
 * flight (`inFlight`), the same clients and Node's default flags. Its clients stay few (a Bedrock
 * client per account-Region, as a worker's cache holds), so its peak RSS is what any process making
 * these calls at this rate needs, not the bare loop's thousands of clients.
 */
export function memoryFloorPlan(run: SdkLoopPlan, inFlight: number): SdkLoopPlan {
  const accounts = run.accounts.slice(0, FLOOR_ACCOUNTS);
  const keep = new Set(accounts);
  const accountRegions = run.accountRegions.filter((t) => keep.has(t.account));
  const availability = run.calls["bedrock:GetFoundationModelAvailability"] ?? 0;
  return {
    ...run,
    accounts,
    accountRegions,
    inFlight,
    calls: {
      "sts:AssumeRole": accounts.length,
      "bedrock:GetFoundationModelAvailability": Math.min(FLOOR_CALLS, availability),
    },
  };
}
