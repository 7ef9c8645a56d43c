// npm run bench:api -- [--json FILE] [--rate 500] [--duration 15] [--audit-events 1000000]
//
// Read-endpoint load on a database seeded with 1,000 accounts × 4 Regions × 100 models (400,000
// model-access rows), 20,000 findings and 1,000,000 audit events (a valid hash chain), served by
// the built service (`node dist/src/cli.js serve`) in its own process. For each endpoint:
//   - at a steady rate (default 500 req/s, from many paced single-connection autocannon
//     instances; see `steady`): p50, p97.5, p99, max latency;
//   - flat out (10 connections): requests/s, and the ratio to a bare Fastify route measured in
//     the same run, in its own process, the same way.
// Also: first page vs a deep keyset page (a page far into the data costs the same when the
// pagination is keyset, not OFFSET), and EXPLAIN of the audit-log page query.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { applyMigrations } from "../src/db/migrator.js";
import { createDatabase } from "../support/postgres/databases.js";
import { startPostgresServer } from "../support/postgres/postgres-server.js";
import { seedApiBench } from "./api-seed.js";
import { buildDist } from "./common.js";

const { values: args } = parseArgs({
  options: {
    json: { type: "string" },
    rate: { type: "string", default: "500" },
    duration: { type: "string", default: "15" },
    "audit-events": { type: "string", default: "1000000" },
    accounts: { type: "string", default: "1000" },
  },
});
const RATE = Number(args.rate);
const DURATION = Number(args.duration);
const AUDIT_EVENTS = Number(args["audit-events"]);
const ACCOUNTS = Number(args.accounts);
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
const MODELS = 100;
const FINDINGS = 20_000;
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

interface Measured {
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
  rps: number;
  non2xx: number;
  errors: number;
}

async function cannon(url: string, headers: Record<string, string>, opts: { connections: number; duration?: number }) {
  const r = await autocannon({ url, headers, connections: opts.connections, duration: opts.duration ?? DURATION });
  const m: Measured = {
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    max: r.latency.max,
    rps: r.requests.average,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  return m;
}

/**
 * A steady load of `rate` requests a second. autocannon's own overallRate is not one: each
 * connection sends its whole quota for the second back to back as soon as the second starts
 * (lib/httpClient.js resets `reqsMadeThisSecond` on a 1 s interval), so "500 req/s" is the server
 * saturated for the first part of every second and idle for the rest. Here the load is made of
 * `rate / PER_CONNECTION` single-connection autocannon instances, each sending PER_CONNECTION
 * requests a second, started evenly across one second, so requests arrive spread over the second
 * as from many independent clients. Every response time is recorded and the percentiles are
 * computed over all of them.
 */
const PER_CONNECTION = 2;
async function steady(url: string, headers: Record<string, string>, rate: number, seconds: number) {
  const instances = Math.max(1, Math.round(rate / PER_CONNECTION));
  const times: number[] = [];
  let non2xx = 0;
  const runs: Array<Promise<autocannon.Result>> = [];
  const started = performance.now();
  for (let i = 0; i < instances; i++) {
    const due = started + (i * 1000) / instances;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const run = new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          headers,
          connections: 1,
          connectionRate: PER_CONNECTION,
          duration: seconds,
          ignoreCoordinatedOmission: true,
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
      instance.on("response", (_client, status, _bytes, ms) => {
        if (status >= 200 && status < 300) times.push(ms);
        else non2xx++;
      });
    });
    runs.push(run);
  }
  const results = await Promise.all(runs);
  times.sort((a, b) => a - b);
  const at = (q: number) => Number((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2));
  const m: Measured = {
    p50: at(0.5),
    p97_5: at(0.975),
    p99: at(0.99),
    max: at(1),
    // Each instance is active `seconds` seconds; together they send `rate` a second.
    rps: Number(((times.length + non2xx) / seconds).toFixed(1)),
    non2xx,
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0),
  };
  return m;
}

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
  const api = await spawnJsonLine(
    ["dist/src/cli.js", "serve"],
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
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${secret}` };
  say(`API at ${base} (pid ${api.child.pid}), bare Fastify at ${bare.value}`);

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
  for (const e of endpoints) {
    if (!e.path) continue;
    const res = await fetch(`${base}${e.path}`, { headers: auth });
    if (res.status !== 200) throw new Error(`${e.path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
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

  const results: Array<{ name: string; path: string; fixedRate: Measured; flatOut: Measured; ratioToBare?: number }> =
    [];
  for (const e of endpoints) {
    const url = e.path ? `${base}${e.path}` : `${bare.value as string}/bare`;
    const headers = e.path ? auth : {};
    // Warm-up of both sides (JIT, pools, caches, connections) with the measured pattern; the first
    // endpoint's warm-up also warms the load generator. Then the two measurements.
    await steady(url, headers, RATE, 3);
    const fixedRate = await steady(url, headers, RATE, DURATION);
    const flatOut = await cannon(url, headers, { connections: 10 });
    results.push({ name: e.name, path: e.path || "/bare", fixedRate, flatOut });
    say(
      `${e.name}: p50 ${fixedRate.p50} ms, p99 ${fixedRate.p99} ms at ${RATE}/s; flat out ${flatOut.rps.toFixed(0)} req/s`,
    );
  }
  const bareRps = results[0]?.flatOut.rps ?? 1;
  for (const r of results) r.ratioToBare = Number((r.flatOut.rps / bareRps).toFixed(3));

  const target = { rate: RATE, p99Ms: 25 };
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
    note: "the API, PostgreSQL and the autocannon load generator share the same cores",
    inputs: { rate: RATE, durationSeconds: DURATION, rows },
    results,
    meetsTarget: results
      .filter((r) => r.path !== "/bare")
      .every((r) => r.fixedRate.p99 < target.p99Ms && r.fixedRate.non2xx === 0 && r.fixedRate.errors === 0),
    target,
    keyset: { auditPagePlan: plan, usesOffset: plan.some((l) => /offset/i.test(l)) },
    auditVerify: { ok: verifyBody.ok, checked: verifyBody.checked, seconds: Number(verifySeconds.toFixed(2)) },
  };
  // The README table.
  const table = [
    `| endpoint | p50 | p99 | max | non-2xx | req/s flat out | ratio to bare |`,
    `| -------- | --- | --- | --- | ------- | -------------- | ------------- |`,
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.fixedRate.p50} ms | ${r.fixedRate.p99} ms | ${r.fixedRate.max} ms | ${r.fixedRate.non2xx + r.fixedRate.errors} | ${Math.round(r.flatOut.rps)} | ${r.ratioToBare} |`,
    ),
  ].join("\n");
  process.stderr.write(`\n${table}\n\n`);
  const out = JSON.stringify(result, null, 2);
  if (args.json) await writeFile(args.json, `${out}\n`);
  process.stdout.write(`${out}\n`);
} finally {
  for (const child of children) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1500));
  await database.drop().catch(() => undefined);
  await server.stop();
}
