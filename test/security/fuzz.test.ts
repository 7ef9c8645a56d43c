// Schema-aware fuzzing of every route in the route table (seeded, bounded): params, query and
// body drawn from the route's own schemas, mixed with hostile values and hostile whole bodies.
// Generators include NUL bytes, unpaired surrogates, crafted keyset cursors, very deep and very
// wide bodies and documents that are costly to parse.
// Invariants: never a 5xx; a rejected request (4xx) changes no row in any table; no request blocks
// the event loop for more than 200 ms.
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteEntry } from "../../src/plugins/route-policy.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { fitting, HOSTILE_BODIES, HOSTILE_DOCUMENTS, type JsonSchema, objectFor } from "../helpers/schema-arbitrary.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 30);
/** The longest the event loop may stall while one request is handled (issue 17). */
const MAX_EVENT_LOOP_BLOCK_MS = 200;

let t: TestApp;
let admin: string;
let sql: pg.Client;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: "0" });
  admin = await t.keyFor("admin", "fuzzer");
  sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

/** Exact row count of every table of the service (public schema), in one statement. */
async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ table_name: string; n: number }>(`
    SELECT table_name,
           (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', table_name), false, true, '')))[1]::text::int AS n
    FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  return Object.fromEntries(rows.map((r) => [r.table_name, r.n]));
}

/** Waits until no background job is queued or running (an accepted request may have started one). */
async function settle(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active')",
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("background jobs did not settle");
}

const fuzzable = (r: RouteEntry) => r.method !== "HEAD" && !r.url.startsWith("/docs");

function render(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}

/** Percent-encodes; a lone surrogate becomes its (invalid) CESU-8 bytes, itself a hostile input. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value
      .split("")
      .map((c) => {
        try {
          return encodeURIComponent(c);
        } catch {
          return "%ED%A0%80";
        }
      })
      .join("");
  }
}

function buildUrl(route: RouteEntry, params: Record<string, unknown>, query: Record<string, unknown>): string {
  const path = route.url.replace(/:(\w+)/g, (_, name: string) =>
    encode(name in params ? render(params[name]) : "missing"),
  );
  // Encoded by hand: URLSearchParams would turn an unpaired surrogate into U+FFFD before sending.
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    // A real server refuses a request line over 16 KiB (Node's header limit) before the app runs.
    for (const item of Array.isArray(v) ? v.slice(0, 100) : [v]) pairs.push(`${encode(k)}=${encode(render(item))}`);
  }
  const q = pairs.join("&");
  return q ? `${path}?${q}` : path;
}

/**
 * Runs `work` while a 5 ms timer measures how late it fires: the longest lateness is the longest
 * stretch the event loop was blocked (the probe waits one more tick so a block at the end counts).
 * A stretch counts only as long as this process used the CPU during it: on a loaded machine, time
 * the OS gives to other processes delays the timer too, but is not a block by the request.
 */
async function longestBlockDuring<T>(work: () => Promise<T>): Promise<{ result: T; blockedMs: number }> {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let worst = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    worst = Math.max(worst, Math.min(now - last - 5, (cpu.user + cpu.system) / 1000));
    last = now;
  }, 5);
  try {
    const result = await work();
    await new Promise((r) => setTimeout(r, 10));
    return { result, blockedMs: worst };
  } finally {
    clearInterval(probe);
  }
}

async function attempt(
  route: RouteEntry,
  url: string,
  body: { payload: string; contentType: string } | undefined,
  failures: string[],
): Promise<number> {
  const before = await rowCounts();
  const { result: res, blockedMs } = await longestBlockDuring(() =>
    t.app.inject({
      method: route.method as "GET",
      url,
      headers: { authorization: admin, ...(body ? { "content-type": body.contentType } : {}) },
      ...(body ? { payload: body.payload } : {}),
    }),
  );
  const label = `${route.method} ${url.slice(0, 160)}${body ? ` body=${body.payload.slice(0, 80)}` : ""}`;
  if (blockedMs > MAX_EVENT_LOOP_BLOCK_MS)
    failures.push(`${label} → blocked the event loop for ${Math.round(blockedMs)} ms`);
  if (res.statusCode >= 500) failures.push(`${label} → ${res.statusCode} ${res.body.slice(0, 200)}`);
  if (res.statusCode >= 400) {
    const after = await rowCounts();
    const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
    if (changed.length > 0) failures.push(`${label} → ${res.statusCode} but rows changed in ${changed.join(", ")}`);
    if (!String(res.headers["content-type"]).includes("application/problem+json"))
      failures.push(`${label} → ${res.statusCode} without problem+json`);
  } else if (route.method !== "GET") {
    await settle();
  }
  return res.statusCode;
}

describe("NUL and lone surrogates in query filters, on every GET route (not left to chance)", () => {
  it("each string query filter answers `a%00b` and `x%ED%A0%80` with a 4xx problem+json", async () => {
    const routes = t.app.routeTable().filter((r) => r.method === "GET" && fuzzable(r));
    const failures: string[] = [];
    let tried = 0;
    for (const route of routes) {
      const schema = route.schema as { params?: JsonSchema; querystring?: JsonSchema };
      const filters = Object.entries(schema.querystring?.properties ?? {})
        .filter(([, s]) => s.type === "string" || (s.anyOf ?? []).some((x) => x.type === "string"))
        .map(([name]) => name);
      if (filters.length === 0) continue;
      const [params] = fc.sample(fitting(schema.params), { seed: SEED, numRuns: 1 });
      for (const name of filters)
        for (const bad of ["a%00b", "x%ED%A0%80"]) {
          const url = `${buildUrl(route, (params ?? {}) as Record<string, unknown>, {})}?${name}=${bad}`;
          const res = await t.app.inject({ method: "GET", url, headers: { authorization: admin } });
          tried++;
          if (res.statusCode < 400 || res.statusCode >= 500)
            failures.push(`${url} → ${res.statusCode} ${res.body.slice(0, 120)}`);
          else if (!String(res.headers["content-type"]).includes("application/problem+json"))
            failures.push(`${url} → ${res.statusCode} without problem+json`);
        }
    }
    expect(tried).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  }, 300_000);
});

describe("fuzzing every route", () => {
  it("schema-derived and hostile params, query and bodies: no 5xx, no write when rejected", async () => {
    const routes = t.app.routeTable().filter(fuzzable);
    expect(routes.length).toBeGreaterThan(30);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let index = 0;
    for (const route of routes) {
      const schema = route.schema as { params?: JsonSchema; querystring?: JsonSchema; body?: JsonSchema };
      const hasBody = ["POST", "PUT", "PATCH", "DELETE"].includes(route.method) && schema.body !== undefined;
      const arb = fc.tuple(objectFor(schema.params), objectFor(schema.querystring), objectFor(schema.body));
      const samples = fc.sample(arb, { seed: SEED + index++, numRuns: RUNS_PER_ROUTE });
      for (const [params, query, body] of samples) {
        const url = buildUrl(route, params, query);
        const status = await attempt(
          route,
          url,
          hasBody ? { payload: JSON.stringify(body), contentType: "application/json" } : undefined,
          failures,
        );
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      // Every costly document in every field that takes one (not left to chance: each must be a
      // quick 4xx however few runs are asked for).
      const documentFields = Object.entries(schema.body?.properties ?? {}).filter(
        ([, s]) => s.type === "string" && (s.maxLength ?? 0) >= 100_000,
      );
      if (hasBody && documentFields.length > 0) {
        const [params] = fc.sample(objectFor(schema.params), { seed: SEED, numRuns: 1 });
        const [base] = fc.sample(fitting(schema.body), { seed: SEED, numRuns: 1 });
        for (const [name] of documentFields)
          for (const document of HOSTILE_DOCUMENTS) {
            const payload = JSON.stringify({ ...(base as object), [name]: document });
            const url = buildUrl(route, params ?? {}, {});
            const status = await attempt(route, url, { payload, contentType: "application/json" }, failures);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
      }
      if (hasBody || ["POST", "PUT", "PATCH"].includes(route.method)) {
        const [params] = fc.sample(objectFor(schema.params), { seed: SEED, numRuns: 1 });
        for (const hostile of HOSTILE_BODIES) {
          const status = await attempt(route, buildUrl(route, params ?? {}, {}), hostile, failures);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }
    }
    expect(failures).toEqual([]);
    // The fuzzer reached past validation too, not only 400s.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(413) ?? 0).toBeGreaterThan(0);
  }, 900_000);
});
