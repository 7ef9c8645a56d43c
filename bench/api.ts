// npm run bench:api -- [--json FILE] [--rate 500] [--duration 15] [--accounts 1000]
//   [--audit-events 1000000] [--findings 20000] [--only REGEX] [--cpu-prof DIR]
//
// Read-endpoint load on a database seeded with 1,000 accounts × 4 Regions × 100 models (400,000
// model-access rows), 20,000 findings and 1,000,000 audit events (a valid hash chain), served by
// the built service (`node dist/src/cli.js serve`) in its own process. For each endpoint:
//   - at a steady rate (default 500 req/s, from many paced single-connection autocannon
//     instances; see load-generator.ts): p50, p97.5, p99, max latency;
//   - flat out (10 connections): requests/s, and its ratio to the endpoint's bare `pg` baseline
//     (bench/bare-pg-server.ts: the same SQL, built by the same functions, on a bare Fastify
//     route and a pool of the size the service reads with), measured in the same run the same
//     way; also the ratio to a bare Fastify route with no database (bench/bare-server.ts).
// The service, both baselines and the load generator (bench/load-generator.ts) each run in their
// own process. `--cpu-prof DIR` writes the service's CPU profile there when it stops.
// Also: first page vs a deep keyset page (a page far into the data costs the same when the
// pagination is keyset, not OFFSET), and EXPLAIN of the audit-log page query.
import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { applyMigrations } from "../src/db/migrator.js";
import { createDatabase } from "../support/postgres/databases.js";
import { startPostgresServer } from "../support/postgres/postgres-server.js";
import { seedApiBench } from "./api-seed.js";
import { buildDist, settleDatabase } from "./common.js";
import type { LoadJob, Measured } from "./load-generator.js";

const { values: args } = parseArgs({
  options: {
    json: { type: "string" },
    rate: { type: "string", default: "500" },
    duration: { type: "string", default: "15" },
    "audit-events": { type: "string", default: "1000000" },
    accounts: { type: "string", default: "1000" },
    findings: { type: "string", default: "20000" },
    only: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const RATE = Number(args.rate);
const DURATION = Number(args.duration);
const AUDIT_EVENTS = Number(args["audit-events"]);
const ACCOUNTS = Number(args.accounts);
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
const MODELS = 100;
const FINDINGS = Number(args.findings);
const HASH_SECRET = "bench-only-api-key-hash-secret-0123456789abcdef";
const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

function spawnJsonLine(cmd: string[], env: Record<string, string>, match: (line: string) => unknown) {
  const child = spawn(process.execPath, cmd, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<{ child: ChildProcess; value: unknown }>((resolve, reject) => {
    let buf = "";
    let found = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      // Once found, the child's output (the API's access log) is drained without being read.
      if (found) return;
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        const v = match(line);
        if (v !== undefined && !found) {
          found = true;
          resolve({ child, value: v });
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`${cmd.join(" ")} exited with ${code}`)));
  });
}

/** User + system CPU time of a process so far (ms), from /proc (Linux). */
async function cpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The load generator, in its own process: one job at a time. */
function startLoadGenerator() {
  const child = fork("bench/load-generator.ts", [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  let next = 0;
  const pending = new Map<number, { resolve: (m: Measured) => void; reject: (e: Error) => void }>();
  child.on("message", (msg: { id: number; result?: Measured; error?: string }) => {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.result) p?.resolve(msg.result);
    else p?.reject(new Error(`load generator: ${msg.error}`));
  });
  child.once("exit", (code) => {
    for (const p of pending.values()) p.reject(new Error(`load generator exited with ${code}`));
  });
  const run = (job: DistributiveOmit<LoadJob, "id">) =>
    new Promise<Measured>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ ...job, id });
    });
  return {
    child,
    steady: (url: string, headers: Record<string, string>, rate: number, seconds: number) =>
      run({ kind: "steady", url, headers, rate, seconds }),
    flat: (url: string, headers: Record<string, string>) =>
      run({ kind: "flat", url, headers, connections: 10, seconds: DURATION }),
  };
}
type DistributiveOmit<T, K extends keyof LoadJob> = T extends unknown ? Omit<T, K> : never;

buildDist();
const server = await startPostgresServer({
  TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "",
});
const database = await createDatabase(server.adminUrl, "bench_api");
const children: ChildProcess[] = [];
try {
  await applyMigrations(database.url);
  const rows = await seedApiBench(
    database.url,
    { accounts: ACCOUNTS, regions: REGIONS, models: MODELS, findings: FINDINGS, auditEvents: AUDIT_EVENTS },
    say,
  );
  const env = {
    DATABASE_URL: database.url,
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    SYNC_CRON: "off",
    INVOCATIONS_INGEST_CRON: "off",
    BOOTSTRAP_ADMIN: "off",
    API_KEY_HASH_SECRET: HASH_SECRET,
    // The limiter stays in the path (its cost is measured) but never trips at these rates.
    RATE_LIMIT_MAX: "10000000",
    DATABASE_POOL_SIZE: "10",
    // Verifying the 1,000,001-event chain is one request, silent until it answers; on a busy
    // machine it outlasts the default request (30 s) and idle connection (10 s) timeouts.
    REQUEST_TIMEOUT_MS: "300000",
    CONNECTION_TIMEOUT_MS: "300000",
    // The seeded Regions are the inventory's scope, for the service and the bare pg baseline alike.
    INVENTORY_REGIONS: REGIONS.join(","),
  };
  const key = spawnSync(
    process.execPath,
    ["dist/src/cli.js", "api-key", "create", "--name", "bench", "--role", "admin"],
    { env: { ...process.env, ...env }, encoding: "utf8" },
  );
  if (key.status !== 0) throw new Error(`api-key create failed: ${key.stderr}`);
  // stdout also carries warn-level log lines (sandbox mode); the key has one unmistakable shape.
  const secret = /bgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(key.stdout)?.[0];
  if (!secret) throw new Error("api-key create printed no key");

  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const profiling = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${args["cpu-prof"]}`] : [];
  const api = await spawnJsonLine(
    [...profiling, "dist/src/cli.js", "serve"],
    { ...env, PORT: String(port), LOG_LEVEL: "info" },
    // Serving, and the stored model counts brought up to date (the seed wrote account-Regions
    // directly, as a sync run would have, but without a run's end to recount them).
    (() => {
      const seen = new Set<string>();
      return (l: string) => {
        if (l.includes('"msg":"bedrock-governor is serving"')) seen.add("serving");
        if (l.includes('"msg":"account model counts up to date"')) seen.add("counts");
        return seen.size === 2 ? true : undefined;
      };
    })(),
  );
  children.push(api.child);
  const bare = await spawnJsonLine(["--import", "tsx", "bench/bare-server.ts"], {}, (l) =>
    l.startsWith('{"address"') ? (JSON.parse(l) as { address: string }).address : undefined,
  );
  children.push(bare.child);
  const barePg = await spawnJsonLine(["--import", "tsx", "bench/bare-pg-server.ts"], env, (l) =>
    l.startsWith('{"address"') ? (JSON.parse(l) as { address: string }).address : undefined,
  );
  children.push(barePg.child);
  const loadGenerator = startLoadGenerator();
  children.push(loadGenerator.child);
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${secret}` };
  say(`API at ${base} (pid ${api.child.pid}), bare Fastify at ${bare.value}, bare pg at ${barePg.value}`);

  // A deep keyset cursor: walk the audit log to ~page 2,000 of 50 via the API's own cursors? That is
  // 2,000 requests; instead take the cursor of the page starting below id 100,000 (what a client
  // would hold after paging that far): the API's cursor is base64url JSON {"id": "<last id>"}.
  const deepAuditCursor = Buffer.from(JSON.stringify({ id: "100000" })).toString("base64url");
  const firstPage = await fetch(`${base}/v1/models/anthropic.model-1-v1:0/availability?limit=50`, { headers: auth });
  if (firstPage.status !== 200) throw new Error(`model view answered ${firstPage.status}: ${await firstPage.text()}`);
  let cursor = (await firstPage.json()) as { nextCursor?: string };
  for (let i = 0; i < 60 && cursor.nextCursor; i++) {
    const next = await fetch(
      `${base}/v1/models/anthropic.model-1-v1:0/availability?limit=50&cursor=${cursor.nextCursor}`,
      { headers: auth },
    );
    const body = (await next.json()) as { nextCursor?: string };
    if (!body.nextCursor) break;
    cursor = body;
  }
  const deepModelCursor = cursor.nextCursor ?? "";

  const endpoints: Array<{ name: string; path: string }> = [
    { name: "bare Fastify route (baseline)", path: "" },
    { name: "account list (matrix summary)", path: "/v1/accounts?limit=50" },
    { name: "account list, filtered by OU", path: "/v1/accounts?limit=50&ouId=ou-bnch-00000003" },
    {
      name: "model-access matrix of an account-Region",
      path: `/v1/accounts/${100_000_000_000 + Math.ceil(ACCOUNTS / 2)}/regions/eu-west-1/models?limit=100`,
    },
    { name: "model view (availability), first page", path: "/v1/models/anthropic.model-1-v1:0/availability?limit=50" },
    {
      name: "model view, deep keyset page (~3,000th row)",
      path: `/v1/models/anthropic.model-1-v1:0/availability?limit=50&cursor=${deepModelCursor}`,
    },
    { name: "findings, open, first page", path: "/v1/findings?status=open&limit=50" },
    { name: "audit events, first page", path: "/v1/audit-events?limit=50" },
    {
      name: "audit events, deep keyset page (id < 100,000)",
      path: `/v1/audit-events?limit=50&cursor=${deepAuditCursor}`,
    },
    { name: "audit events by action", path: "/v1/audit-events?limit=50&action=catalog.put" },
  ];
  const only = args.only ? new RegExp(args.only, "i") : undefined;
  const measured = endpoints.filter((e) => !e.path || !only || only.test(e.name));
  for (const e of measured) {
    if (!e.path) continue;
    for (const url of [`${base}${e.path}`, `${barePg.value as string}${e.path}`]) {
      const res = await fetch(url, { headers: auth });
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
  }

  // Before the load: EXPLAIN the audit-log page query the repository sends (keyset: id < cursor
  // ORDER BY id DESC), and time a full verification of the hash chain.
  const c = new pg.Client({ connectionString: database.url });
  c.on("error", (err) => say(`inspection connection: ${err.message}`));
  await c.connect();
  const plan = (
    await c.query<{ "QUERY PLAN": string }>(
      "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM audit_events WHERE id < 100000 ORDER BY id DESC LIMIT 51",
    )
  ).rows.map((r) => r["QUERY PLAN"]);
  await c.end();
  const verifyStarted = performance.now();
  const verify = await fetch(`${base}/v1/audit-events/verify`, { headers: auth });
  const verifyBody = (await verify.json()) as { ok: boolean; checked: number };
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  say(`audit chain verified: ${verifyBody.ok}, ${verifyBody.checked} events in ${verifySeconds.toFixed(1)} s`);
  await settleDatabase(database.url, say);

  interface Result {
    name: string;
    path: string;
    fixedRate: Measured;
    flatOut: Measured;
    cpuPerRequestMs: number;
    barePg?: { fixedRate: Measured; flatOut: Measured; cpuPerRequestMs: number };
    ratioToBarePg?: number;
    ratioToBare?: number;
  }
  const results: Result[] = [];
  // Warm-up of both sides (JIT, pools, caches, connections) with the measured pattern; the first
  // endpoint's warm-up also warms the load generator. Then the two measurements.
  // CPU time the serving process spent per request flat out (user + system, from /proc): what the
  // process costs whatever else runs on the machine, where requests/s depend on the neighbours.
  const measure = async (url: string, headers: Record<string, string>, pid: number | undefined) => {
    await loadGenerator.steady(url, headers, RATE, 3);
    const fixedRate = await loadGenerator.steady(url, headers, RATE, DURATION);
    const cpuBefore = await cpuMs(pid);
    const flatOut = await loadGenerator.flat(url, headers);
    const cpuPerRequestMs = Number((((await cpuMs(pid)) - cpuBefore) / (flatOut.rps * DURATION)).toFixed(3));
    return { fixedRate, flatOut, cpuPerRequestMs };
  };
  for (const e of measured) {
    if (!e.path) {
      results.push({
        name: e.name,
        path: "/bare",
        ...(await measure(`${bare.value as string}/bare`, {}, bare.child.pid)),
      });
      say(`${e.name}: flat out ${results.at(-1)?.flatOut.rps.toFixed(0)} req/s`);
      continue;
    }
    const service = await measure(`${base}${e.path}`, auth, api.child.pid);
    const baseline = await measure(`${barePg.value as string}${e.path}`, {}, barePg.child.pid);
    const ratioToBarePg = Number((service.flatOut.rps / baseline.flatOut.rps).toFixed(3));
    results.push({ name: e.name, path: e.path, ...service, barePg: baseline, ratioToBarePg });
    say(
      `${e.name}: p50 ${service.fixedRate.p50} ms, p99 ${service.fixedRate.p99} ms at ${RATE}/s; flat out ` +
        `${service.flatOut.rps.toFixed(0)} req/s = ${ratioToBarePg} × bare pg (${baseline.flatOut.rps.toFixed(0)} req/s, ` +
        `p99 ${baseline.fixedRate.p99} ms at ${RATE}/s); CPU per request ${service.cpuPerRequestMs} ms vs ` +
        `${baseline.cpuPerRequestMs} ms`,
    );
  }
  const bareRps = results[0]?.flatOut.rps ?? 1;
  for (const r of results) r.ratioToBare = Number((r.flatOut.rps / bareRps).toFixed(3));

  const target = { rate: RATE, p99Ms: 10, minRatioToBarePg: 0.6 };
  const result = {
    benchmark: "api",
    at: new Date().toISOString(),
    commit: spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim(),
    machine: {
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: server.kind,
    },
    note: "the API, the baselines, PostgreSQL and the autocannon load generator (each its own process) share the same cores",
    inputs: { rate: RATE, durationSeconds: DURATION, rows },
    results,
    meetsTarget: results
      .filter((r) => r.path !== "/bare")
      .every(
        (r) =>
          r.fixedRate.p99 < target.p99Ms &&
          r.fixedRate.non2xx === 0 &&
          r.fixedRate.errors === 0 &&
          (r.ratioToBarePg ?? 0) >= target.minRatioToBarePg,
      ),
    target,
    keyset: { auditPagePlan: plan, usesOffset: plan.some((l) => /offset/i.test(l)) },
    auditVerify: { ok: verifyBody.ok, checked: verifyBody.checked, seconds: Number(verifySeconds.toFixed(2)) },
  };
  // The README table.
  const table = [
    `| endpoint | p50 | p99 | max | non-2xx | req/s flat out | bare pg req/s (p99) | ratio to bare pg | ratio to bare Fastify | CPU/request (bare pg) |`,
    `| -------- | --- | --- | --- | ------- | -------------- | ------------------- | ---------------- | --------------------- | --------------------- |`,
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.fixedRate.p50} ms | ${r.fixedRate.p99} ms | ${r.fixedRate.max} ms | ${r.fixedRate.non2xx + r.fixedRate.errors} | ${Math.round(r.flatOut.rps)} | ${r.barePg ? `${Math.round(r.barePg.flatOut.rps)} (${r.barePg.fixedRate.p99} ms)` : "–"} | ${r.ratioToBarePg ?? "–"} | ${r.ratioToBare} | ${r.cpuPerRequestMs} ms${r.barePg ? ` (${r.barePg.cpuPerRequestMs} ms)` : ""} |`,
    ),
  ].join("\n");
  process.stderr.write(`\n${table}\n\n`);
  const out = JSON.stringify(result, null, 2);
  if (args.json) await writeFile(args.json, `${out}\n`);
  process.stdout.write(`${out}\n`);
} finally {
  // Each child is awaited (up to 10 s): the service writes its CPU profile, if asked, as it exits.
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
          const timer = setTimeout(resolve, 10_000);
          child.once("exit", () => resolve(clearTimeout(timer)));
          child.kill("SIGTERM");
        }),
    ),
  );
  await database.drop().catch(() => undefined);
  await server.stop();
}
