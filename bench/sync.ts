// npm run bench:sync -- --accounts N --regions R --models M --workers W [--concurrency C] [--json FILE]
//
// One organization sync of a generated organization, worked by W `bedrock-governor worker`
// processes against the AWS sandbox in a separate process (30 ms ± 5 ms per call, Bedrock
// GetFoundationModelAvailability limited to 10 TPS per account and Region, as the client is).
// Measures wall time, AWS calls, CPU and peak RSS per worker, rows written, and the ratio of
// wall time to the run's lower bound: max(quota-imposed time, worker CPU time / cores).
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadConfig } from "../src/config.js";
import { applyMigrations } from "../src/db/migrator.js";
import { SYSTEM_PRINCIPAL } from "../src/kernel/principal.js";
import { createLogger } from "../src/logger.js";
import { startRuntime } from "../src/main/runtime.js";
import type { SyncRunView } from "../src/modules/inventory/inventory.types.js";
import { generateScenario } from "../src/sandbox/index.js";
import { createDatabase } from "../support/postgres/databases.js";
import { startPostgresServer } from "../support/postgres/postgres-server.js";
import { buildDist, peakRssMb, positiveInt } from "./common.js";
import type { SandboxCounts, SandboxReady } from "./sandbox-process.js";
import type { SdkLoopPlan } from "./sdk-loop.js";
import {
  busyFraction,
  cpuSeconds,
  machineTicks,
  memoryFloorPlan,
  planFromDatabase,
  runSdkLoop,
} from "./sync-baseline.js";

const LATENCY_MS = { mean: 30, stddev: 5 };
const AVAILABILITY_TPS = 10;
const RATE_LIMITS = `bedrock:GetFoundationModelAvailability=${AVAILABILITY_TPS},bedrock:*=50,organizations:*=50,*=100`;
/** Calls one account-Region makes one after another besides the rate-limited availability calls:
 * AssumeRole, ListFoundationModels, (availability), agreement offers, the final three in parallel. */
const SEQUENTIAL_CALLS = 5;
/** Calls the bare SDK loop keeps in flight. */
const SDK_LOOP_IN_FLIGHT = 64;

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "20" },
    regions: { type: "string", default: "2" },
    models: { type: "string", default: "20" },
    workers: { type: "string", default: "1" },
    concurrency: { type: "string", default: "128" },
    seed: { type: "string", default: "1" },
    json: { type: "string" },
    // Also run the bare loop as one process, to compare with the split baseline.
    "one-process-loop": { type: "boolean", default: false },
  },
});
const int = (name: keyof typeof args) => positiveInt(args, name);
const inputs = {
  accounts: int("accounts"),
  regions: int("regions"),
  models: int("models"),
  workers: int("workers"),
  concurrency: int("concurrency"),
  seed: int("seed"),
  workerNodeOptions: process.env.BENCH_WORKER_NODE_OPTIONS ?? "",
  workerNodeArgs: process.env.BENCH_WORKER_NODE_ARGS ?? "",
  sdkLoopNodeArgs: process.env.BENCH_SDK_LOOP_NODE_ARGS ?? "",
  oneProcessLoop: args["one-process-loop"] === true,
};
const log = createLogger("warn", process.stderr);
const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- child processes ----
function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

function startSandboxProcess(scenarioFile: string): Promise<{ child: ChildProcess; ready: SandboxReady }> {
  const child = fork(path.join(import.meta.dirname, "sandbox-process.ts"), [scenarioFile], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}`)));
    child.once("message", (m: SandboxReady) => resolve({ child, ready: m }));
  });
}

function sandboxCounts(child: ChildProcess): Promise<SandboxCounts> {
  return new Promise((resolve) => {
    const on = (m: { type?: string }) => {
      if (m.type !== "counters") return;
      child.off("message", on);
      resolve(m as SandboxCounts);
    };
    child.on("message", on);
    child.send({ type: "counters" });
  });
}

function sandboxReset(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: { type?: string }) => {
      if (m.type !== "reset-done") return;
      child.off("message", on);
      resolve();
    };
    child.on("message", on);
    child.send({ type: "reset" });
  });
}

function startWorker(env: Record<string, string>, i: number): Promise<ChildProcess> {
  // The production artifact (`npm run build` output), as a deployment runs it.
  // BENCH_WORKER_NODE_ARGS: Node flags NODE_OPTIONS refuses (`--cpu-prof --cpu-prof-dir=DIR`).
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "dist/src/cli.js", "worker"], {
    // BENCH_WORKER_NODE_OPTIONS (e.g. a heap limit) applies to the workers only.
    env: { ...process.env, ...env, NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    let ready = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        if (!ready && line.includes('"msg":"job worker started"')) {
          ready = true;
          resolve(child);
        } else if (/"level":(40|50|60)/.test(line)) {
          process.stderr.write(`worker ${i}: ${line.slice(0, 400)}\n`);
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`worker ${i} exited with ${code}`)));
  });
}

// ---- the run ----
// Workers run the built service; build it from the current source first.
buildDist();
const tmp = await mkdtemp(path.join(tmpdir(), "bench-sync-"));
const server = await startPostgresServer({
  TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "",
});
const database = await createDatabase(server.adminUrl, "bench_sync");
const children: ChildProcess[] = [];
try {
  await applyMigrations(database.url);
  say(`database ${database.name} on ${server.kind} PostgreSQL`);

  const scenario = {
    ...generateScenario({
      accounts: inputs.accounts,
      regions: inputs.regions,
      models: inputs.models,
      seed: inputs.seed,
    }),
    faults: {
      seed: inputs.seed,
      latency: [{ distribution: "normal" as const, ...LATENCY_MS }],
      quotas: [{ service: "bedrock" as const, operation: "GetFoundationModelAvailability", tps: AVAILABILITY_TPS }],
      defaultQuotas: true,
    },
  };
  const regions = scenario.defaultRegions ?? [];
  const scenarioFile = path.join(tmp, "scenario.json");
  await writeFile(scenarioFile, JSON.stringify(scenario));
  const sandbox = await startSandboxProcess(scenarioFile);
  children.push(sandbox.child);
  say(`sandbox at ${sandbox.ready.url} (pid ${sandbox.child.pid})`);

  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    AWS_TARGET: "sandbox",
    SANDBOX_URL: sandbox.ready.url,
    AWS_ACCESS_KEY_ID: sandbox.ready.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.ready.secretAccessKey,
    AWS_MEMBER_ROLE_NAME: sandbox.ready.memberRoleName,
    ...(sandbox.ready.externalId ? { AWS_EXTERNAL_ID: sandbox.ready.externalId } : {}),
    INVENTORY_REGIONS: regions.join(","),
    AWS_RATE_LIMITS: RATE_LIMITS,
    SYNC_CONCURRENCY: String(inputs.concurrency),
    // info only for the one "job worker started" line; workers log nothing per job at info.
    LOG_LEVEL: "info",
  };
  const workers = await Promise.all(Array.from({ length: inputs.workers }, (_, i) => startWorker(env, i)));
  children.push(...workers);
  say(`${workers.length} worker(s) ready (pids ${workers.map((w) => w.pid).join(", ")})`);

  // The bench process only enqueues: a runtime without jobs, talking to the same sandbox.
  const config = loadConfig({ ...process.env, ...env, LOG_LEVEL: "warn" });
  const runtime = await startRuntime(config, log, { migrate: false });
  await runtime.queue.start({ work: false, jobs: runtime.services.jobs });
  const ctx = { principal: SYSTEM_PRINCIPAL };

  const cpuBefore = await Promise.all(workers.map((w) => cpuSeconds(w.pid as number)));
  const sandboxCpuBefore = await cpuSeconds(sandbox.child.pid as number);
  const machineBefore = await machineTicks();
  const started = performance.now();
  const queued = await runtime.services.sync.requestSync(ctx, { scope: "organization" }, "cli");
  let run: SyncRunView = queued;
  let lastReport = 0;
  while (!["succeeded", "partial", "failed"].includes(run.status)) {
    await sleep(250);
    run = await runtime.services.sync.getRun(ctx, queued.id);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      const p = run.progress;
      say(
        `${run.status} ${p.succeeded + p.failed}/${p.total} (${p.failed} failed) at ${Math.round((lastReport - started) / 1000)} s`,
      );
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuAfter = await Promise.all(workers.map((w) => cpuSeconds(w.pid as number)));
  const sandboxCpuAfter = await cpuSeconds(sandbox.child.pid as number);
  const machineAfter = await machineTicks();
  const rss = await Promise.all(workers.map((w) => peakRssMb(w.pid as number)));
  const sandboxRss = await peakRssMb(sandbox.child.pid as number);
  const counts = await sandboxCounts(sandbox.child);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const rowCount = async (table: string) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
  const rows = {
    model_access: await rowCount("model_access"),
    inference_profiles: await rowCount("inference_profiles"),
    inventory_changes: await rowCount("inventory_changes"),
    account_regions: await rowCount("account_regions"),
  };
  const maxModels = Number(
    (await client.query<{ n: number | null }>("SELECT max(model_count) AS n FROM account_regions")).rows[0]?.n ?? 0,
  );
  const plan = await planFromDatabase(
    client,
    Object.fromEntries(Object.entries(counts.byOperation).map(([op, c]) => [op, c.count])),
    SDK_LOOP_IN_FLIGHT,
  );
  await client.end();
  await runtime.queue.stop(5000);
  await runtime.close();
  // The workers are idle now; stop them so the bare loop has the machine the run had.
  for (const w of workers) {
    w.kill("SIGTERM");
    await waitExit(w);
  }

  // The physical limit, same invocation: the same calls per operation through a bare SDK loop.
  const loop = (p: SdkLoopPlan, processes?: number) =>
    runSdkLoop({
      env,
      plan: p,
      processes,
      sandboxPid: sandbox.child.pid as number,
      resetCounts: () => sandboxReset(sandbox.child),
      counts: () => sandboxCounts(sandbox.child),
    });
  // Split over as many processes as the service had workers: on this machine a process's CPU per
  // call depends on how busy the other core is (README, "bench:sync"), so the baseline runs in the
  // service's layout, not one process on a half-idle machine.
  say(`bare SDK loop: ${counts.total} calls, ${SDK_LOOP_IN_FLIGHT} in flight over ${inputs.workers} process(es)`);
  const bare = await loop(plan, inputs.workers);
  // The same loop in one process (--one-process-loop): how CPU per call moves with the layout.
  let oneProcess: { cpuMsPerCall: number; wallSeconds: number; machineBusyFraction: number } | undefined;
  if (inputs.oneProcessLoop && inputs.workers > 1) {
    say("bare SDK loop again, in one process");
    const one = await loop(plan);
    oneProcess = {
      cpuMsPerCall: round3(one.cpuMsPerCall),
      wallSeconds: round(one.wallSeconds),
      machineBusyFraction: round(one.machineBusyFraction),
    };
  }
  // The memory floor: the run's commonest call alone, over a worker's handful of clients.
  const floorPlan = memoryFloorPlan(plan, Math.ceil(SDK_LOOP_IN_FLIGHT / inputs.workers));
  say(
    `memory floor: ${floorPlan.calls["bedrock:GetFoundationModelAvailability"]} availability calls over ${floorPlan.accountRegions.length} account-Regions`,
  );
  const floor = await loop(floorPlan);

  // Lower bound. Quota: the busiest account-Region sends maxModels availability calls at 10 TPS
  // (a call every 1/10 s per slot: the last wave starts after floor((n-1)/10) s), plus the calls it
  // makes one after another at 30 ms each. CPU: the workers' CPU time spread over every core.
  const cores = cpus().length;
  const workerCpu = cpuAfter.map((c, i) => c - (cpuBefore[i] as number));
  const workerCpuTotal = workerCpu.reduce((a, b) => a + b, 0);
  const quotaSeconds = Math.floor(Math.max(0, maxModels - 1) / AVAILABILITY_TPS);
  const latencySeconds = ((SEQUENTIAL_CALLS + (maxModels > 0 ? 1 : 0)) * LATENCY_MS.mean) / 1000;
  const quotaBoundSeconds = quotaSeconds + latencySeconds;
  const cpuBoundSeconds = workerCpuTotal / cores;
  const lowerBoundSeconds = Math.max(quotaBoundSeconds, cpuBoundSeconds);
  // Against the bare loop: CPU per AWS call, and wall time against what the quotas and the bare
  // SDK's CPU for all the run's calls (spread over every core) allow at best.
  const serviceMsPerCall = (workerCpuTotal * 1000) / counts.total;
  const cpuPerCallRatio = serviceMsPerCall / bare.cpuMsPerCall;
  const bareCpuForRunSeconds = (bare.cpuMsPerCall * counts.total) / 1000;
  const physicalBoundSeconds = Math.max(quotaBoundSeconds, bareCpuForRunSeconds / cores);
  const wallRatio = wallSeconds / physicalBoundSeconds;
  // The same bound applied to the bare loop itself: the sandbox answering every call runs on the
  // same cores, so even a loop that only calls the SDK stays above it. Reported beside the service's
  // ratio, with the service's wall time against the bare loop's (same calls, same sandbox).
  const bareWallRatio = bare.wallSeconds / Math.max(quotaBoundSeconds, bare.cpuSeconds / cores);
  const wallToBareLoop = wallSeconds / bare.wallSeconds;
  const machineBusy = busyFraction(machineBefore, machineAfter);

  const result = {
    benchmark: "sync",
    at: new Date().toISOString(),
    inputs: { ...inputs, regionsList: regions, latencyMs: LATENCY_MS, rateLimits: RATE_LIMITS },
    machine: {
      cores,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: server.kind,
    },
    run: {
      id: run.id,
      status: run.status,
      accountRegions: run.progress.total,
      succeeded: run.progress.succeeded,
      failed: run.progress.failed,
      errorsByGate: run.errorsByGate.map((g) => ({ gate: g.gate, count: g.count })),
    },
    wallSeconds: round(wallSeconds),
    awsCalls: {
      total: counts.total,
      throttled: counts.throttled,
      perSecond: round(counts.total / wallSeconds),
      byOperation: counts.byOperation,
    },
    cpu: {
      workerSeconds: workerCpu.map(round),
      workerSecondsTotal: round(workerCpuTotal),
      workerMsPerCall: round((workerCpuTotal * 1000) / counts.total),
      sandboxSeconds: round(sandboxCpuAfter - sandboxCpuBefore),
      machineBusyFraction: round(machineBusy),
    },
    peakRssMb: { workers: rss, sandbox: sandboxRss },
    rowsWritten: rows,
    lowerBound: {
      seconds: round(lowerBoundSeconds),
      quotaSeconds: round(quotaSeconds),
      latencySeconds: round(latencySeconds),
      quotaBoundSeconds: round(quotaBoundSeconds),
      cpuBoundSeconds: round(cpuBoundSeconds),
      boundBy: cpuBoundSeconds > quotaBoundSeconds ? "cpu" : "quota",
      busiestAccountRegionModels: maxModels,
    },
    ratio: round(wallSeconds / lowerBoundSeconds),
    bareSdkLoop: {
      inFlight: SDK_LOOP_IN_FLIGHT,
      processes: bare.processes,
      calls: bare.calls,
      throttled: bare.sandboxCounts.throttled,
      byOperation: bare.sandboxCounts.byOperation,
      errors: bare.errors,
      skippedOperations: bare.skipped,
      wallSeconds: round(bare.wallSeconds),
      cpuSeconds: round(bare.cpuSeconds),
      cpuMsPerCall: round3(bare.cpuMsPerCall),
      sandboxCpuSeconds: round(bare.sandboxCpuSeconds),
      machineBusyFraction: round(bare.machineBusyFraction),
      peakRssMb: bare.peakRssMb,
      ...(oneProcess ? { oneProcess } : {}),
    },
    memoryFloor: {
      accountRegions: floorPlan.accountRegions.length,
      calls: floor.calls,
      throttled: floor.sandboxCounts.throttled,
      errors: floor.errors,
      cpuMsPerCall: round3(floor.cpuMsPerCall),
      peakRssMb: floor.peakRssMb,
    },
    physicalBound: {
      seconds: round(physicalBoundSeconds),
      quotaBoundSeconds: round(quotaBoundSeconds),
      bareCpuForRunSeconds: round(bareCpuForRunSeconds),
      bareCpuBoundSeconds: round(bareCpuForRunSeconds / cores),
      boundBy: bareCpuForRunSeconds / cores > quotaBoundSeconds ? "bare-sdk-cpu" : "quota",
    },
    serviceMsPerCall: round3(serviceMsPerCall),
    cpuPerCallRatio: round(cpuPerCallRatio),
    wallRatio: round(wallRatio),
    bareLoopWallRatio: round(bareWallRatio),
    wallToBareLoop: round(wallToBareLoop),
    targets: {
      cpuPerCallRatio: { max: 1.15, met: cpuPerCallRatio <= 1.15 },
      wallRatio: { max: 1.25, met: wallRatio <= 1.25 },
      peakRssMbPerWorker: {
        max: 250,
        met: rss.every((r) => r !== undefined && r <= 250),
        defaultNodeFlags: inputs.workerNodeOptions === "",
        // Below the floor no worker can go: the SDK calls alone need more.
        floorMb: floor.peakRssMb,
        reachable: floor.peakRssMb !== undefined && floor.peakRssMb <= 250,
      },
    },
  };

  const table: Array<[string, string]> = [
    ["organization", `${inputs.accounts} accounts × ${inputs.regions} Regions × ${inputs.models} models`],
    ["workers × concurrency", `${inputs.workers} × ${inputs.concurrency} (${cores} cores)`],
    [
      "run",
      `${run.status}: ${run.progress.succeeded}/${run.progress.total} account-Regions, ${run.progress.failed} failed`,
    ],
    ["wall time", `${result.wallSeconds} s`],
    ["AWS calls", `${counts.total} (${counts.throttled} throttled), ${result.awsCalls.perSecond}/s`],
    ["worker CPU", `${result.cpu.workerSecondsTotal} s (${result.cpu.workerMsPerCall} ms/call)`],
    ["sandbox CPU", `${result.cpu.sandboxSeconds} s; machine busy ${Math.round(machineBusy * 100)}%`],
    ["peak RSS", `workers ${rss.join(", ")} MB; sandbox ${sandboxRss} MB`],
    [
      "rows written",
      Object.entries(rows)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
    [
      "lower bound",
      `${result.lowerBound.seconds} s (quota ${result.lowerBound.quotaSeconds} s + latency ${result.lowerBound.latencySeconds} s; CPU ${result.lowerBound.cpuBoundSeconds} s)`,
    ],
    ["wall / lower bound", String(result.ratio)],
    [
      "bare SDK loop",
      `${bare.calls} calls (${bare.sandboxCounts.throttled} throttled) over ${bare.processes} process(es) in ${result.bareSdkLoop.wallSeconds} s (machine busy ${Math.round(result.bareSdkLoop.machineBusyFraction * 100)}%), CPU ${result.bareSdkLoop.cpuSeconds} s (${result.bareSdkLoop.cpuMsPerCall} ms/call), peak RSS ${bare.peakRssMb} MB; sandbox CPU ${result.bareSdkLoop.sandboxCpuSeconds} s`,
    ],
    ...(oneProcess
      ? ([
          [
            "bare loop, one process",
            `${oneProcess.cpuMsPerCall} ms/call in ${oneProcess.wallSeconds} s (machine busy ${Math.round(oneProcess.machineBusyFraction * 100)}%)`,
          ],
        ] as Array<[string, string]>)
      : []),
    [
      "memory floor",
      `${floor.calls} calls over ${floorPlan.accountRegions.length} account-Regions: peak RSS ${floor.peakRssMb} MB (${result.memoryFloor.cpuMsPerCall} ms/call)`,
    ],
    [
      "cpuPerCallRatio",
      `${result.cpuPerCallRatio} (${result.serviceMsPerCall} ÷ ${result.bareSdkLoop.cpuMsPerCall} ms/call)`,
    ],
    [
      "wallRatio",
      `${result.wallRatio} (${result.wallSeconds} s ÷ ${result.physicalBound.seconds} s, bound by ${result.physicalBound.boundBy}); the bare loop's own: ${result.bareLoopWallRatio}`,
    ],
    ["wall ÷ bare loop wall", String(result.wallToBareLoop)],
  ];
  const width = Math.max(...table.map(([k]) => k.length));
  process.stdout.write(`${table.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")}\n`);
  if (args.json) {
    await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
    say(`wrote ${args.json}`);
  }
} finally {
  for (const child of children.reverse()) {
    if (child.exitCode === null) child.kill("SIGTERM");
    await waitExit(child);
  }
  await database.drop();
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
