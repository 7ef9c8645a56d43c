// npm run bench:reconcile -- [--accounts 1000] [--regions 4] [--models 100] [--runs 3]
//                             [--baseline <commit>] [--json FILE]
//
// Reconciliation of a whole organization: the inventory (accounts in 10 OUs, every account in every
// Region with MODELS models and inference profiles, a root SCP set with a DeepSeek deny, a
// CRIS-aware Region guard on half the OUs) is seeded with set-based SQL, a 20-entry catalog is
// applied, then the service's own reconciliation runs RUNS times in this process (the first run
// creates the findings, later runs find them again). Reports wall time per run and peak RSS.
//
// With --baseline <commit>, the same measurement runs against that commit's code in the same
// invocation (a git worktree sharing this checkout's node_modules), so the two numbers come from
// one machine state and the JSON holds their ratio. Each run also reports the CPU seconds of this
// process and of the PostgreSQL backends serving its database (from /proc): on a shared machine
// wall time varies with the load of others, what a run costs does not.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { positiveInt } from "./common.js";

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "1000" },
    regions: { type: "string", default: "4" },
    models: { type: "string", default: "100" },
    runs: { type: "string", default: "3" },
    baseline: { type: "string" },
    json: { type: "string" },
    /** Internal: measure the code under this root and print one JSON line (used for the baseline). */
    root: { type: "string" },
  },
});
const size = {
  accounts: positiveInt(args, "accounts"),
  regions: positiveInt(args, "regions"),
  models: positiveInt(args, "models"),
  runs: positiveInt(args, "runs"),
};
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2"].slice(
  0,
  size.regions,
);
const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const CATALOG = `entries:
${Array.from({ length: 20 }, (_, i) => {
  const provider = ["amazon", "anthropic", "meta", "mistral", "cohere"][i % 5];
  const scope = i % 4 === 0 ? "organization" : `{ ou: ou-bnch-${String(1 + (i % 10)).padStart(8, "0")} }`;
  const geo = i % 3 === 0 ? "\n    geography: EU" : "";
  return `  - id: entry-${i}
    model: ${provider}.model-${i * 5}-v1:0
    scope: ${scope}${geo}
    owner: platform
    justification: benchmark entry ${i}`;
}).join("\n")}
`;

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const regions = `ARRAY[${REGIONS.map((r) => `'${r}'`).join(",")}]`;
  const fullAccess = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
  });
  const denyDeepseek = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "NoDeepSeek",
        Effect: "Deny",
        Action: "bedrock:*",
        Resource: "arn:aws:bedrock:*::foundation-model/deepseek.*",
      },
    ],
  });
  const regionGuard = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RegionGuard",
        Effect: "Deny",
        NotAction: ["iam:*", "organizations:*", "sts:*", "support:*"],
        Resource: "*",
        Condition: {
          StringNotEquals: { "aws:RequestedRegion": ["us-east-1", "us-west-2", "eu-west-1", "unspecified"] },
          ArnNotLike: { "bedrock:InferenceProfileArn": "arn:aws:bedrock:*:*:inference-profile/*" },
        },
      },
    ],
  });
  await c.query(`
    INSERT INTO org_nodes (id, kind, name, parent_id, path) VALUES ('r-bnch', 'root', 'Root', NULL, '/Root');
    INSERT INTO org_nodes (id, kind, name, parent_id, path)
      SELECT 'ou-bnch-' || lpad(o::text, 8, '0'), 'ou', 'OU ' || o, 'r-bnch', '/Root/OU ' || o FROM generate_series(1, 10) o;
    INSERT INTO accounts (id, name, email, state, parent_id, path, joined_at, use_case_submitted)
      SELECT lpad((100000000000 + a)::text, 12, '0'), 'account-' || a, 'a' || a || '@example.com',
             CASE WHEN a % 50 = 0 THEN 'SUSPENDED' ELSE 'ACTIVE' END,
             'ou-bnch-' || lpad((1 + a % 10)::text, 8, '0'), '/Root/OU ' || (1 + a % 10), now() - interval '1 year',
             a % 7 <> 0
      FROM generate_series(1, ${size.accounts}) a;
    INSERT INTO account_regions (account_id, region, status, last_attempt_at, last_success_at, logging_enabled, guardrails, model_count)
      SELECT a.id, r, 'ok', now(), now(), (hashtext(a.id || r) % 3 <> 0), '[]'::jsonb, ${size.models}
      FROM accounts a CROSS JOIN unnest(${regions}) r;
    INSERT INTO model_access (account_id, region, model_id, model_name, provider, lifecycle_status, inference_types,
                              input_modalities, output_modalities, agreement_status, authorization_status,
                              entitlement_availability, region_availability)
      SELECT ar.account_id, ar.region, p.name || '.model-' || m || '-v1:0', 'Model ' || m, p.name,
             CASE WHEN m % 17 = 0 THEN 'LEGACY' ELSE 'ACTIVE' END,
             CASE WHEN m % 9 = 0 THEN ARRAY['INFERENCE_PROFILE'] ELSE ARRAY['ON_DEMAND'] END, ARRAY['TEXT'], ARRAY['TEXT'],
             CASE WHEN m % 7 = 0 THEN 'NOT_AVAILABLE' ELSE 'AVAILABLE' END,
             CASE WHEN m % 11 = 0 THEN 'NOT_AUTHORIZED' ELSE 'AUTHORIZED' END, 'AVAILABLE',
             CASE WHEN m % 13 = 0 THEN 'NOT_AVAILABLE' ELSE 'AVAILABLE' END
      FROM account_regions ar
      CROSS JOIN generate_series(1, ${size.models}) m
      CROSS JOIN LATERAL (SELECT (ARRAY['amazon','anthropic','meta','mistral','cohere','deepseek','qwen','openai','ai21','writer'])[1 + m % 10] AS name) p;
    INSERT INTO inference_profiles (account_id, region, profile_id, arn, name, type, status, is_global, model_ids, destination_regions)
      SELECT ar.account_id, ar.region, g.geo || '.' || p.name || '.model-' || m || '-v1:0',
             'arn:aws:bedrock:' || ar.region || ':' || ar.account_id || ':inference-profile/' || g.geo || '.' || p.name || '.model-' || m || '-v1:0',
             NULL, 'SYSTEM_DEFINED', 'ACTIVE', g.geo = 'global', ARRAY[p.name || '.model-' || m || '-v1:0'],
             CASE WHEN g.geo = 'global' THEN ARRAY[]::text[]
                  WHEN g.geo = 'us' THEN ARRAY['us-east-1','us-east-2','us-west-2']
                  WHEN g.geo = 'eu' THEN ARRAY['eu-central-1','eu-west-1','eu-west-3']
                  ELSE ARRAY['ap-northeast-1','ap-southeast-2'] END
      FROM account_regions ar
      CROSS JOIN generate_series(1, ${size.models}) m
      CROSS JOIN LATERAL (SELECT (ARRAY['amazon','anthropic','meta','mistral','cohere','deepseek','qwen','openai','ai21','writer'])[1 + m % 10] AS name) p
      CROSS JOIN LATERAL (SELECT CASE WHEN m % 3 = 0 THEN 'global'
                                      WHEN ar.region LIKE 'us-%' THEN 'us'
                                      WHEN ar.region LIKE 'eu-%' THEN 'eu' ELSE 'apac' END AS geo) g
      WHERE m % 3 = 0 OR m % 9 = 0;
    INSERT INTO org_policies (id, name, type, description, content, aws_managed) VALUES
      ('p-FullAWSAccess', 'FullAWSAccess', 'SERVICE_CONTROL_POLICY', NULL, '${fullAccess}', true),
      ('p-denydeepseek1', 'DenyDeepSeek', 'SERVICE_CONTROL_POLICY', NULL, '${denyDeepseek}', false),
      ('p-regionguard01', 'RegionGuard', 'SERVICE_CONTROL_POLICY', NULL, '${regionGuard}', false);
    INSERT INTO org_policy_attachments (policy_id, target_id)
      SELECT 'p-FullAWSAccess', id FROM org_nodes UNION ALL SELECT 'p-FullAWSAccess', id FROM accounts;
    INSERT INTO org_policy_attachments (policy_id, target_id) VALUES ('p-denydeepseek1', 'r-bnch');
    INSERT INTO org_policy_attachments (policy_id, target_id)
      SELECT 'p-regionguard01', 'ou-bnch-' || lpad(o::text, 8, '0') FROM generate_series(1, 10, 2) o;
    UPDATE account_regions ar SET available_models = m.ids
      FROM (SELECT account_id, region, array_agg(model_id ORDER BY model_id) AS ids FROM model_access
            WHERE region_availability = 'AVAILABLE' GROUP BY account_id, region) m
      WHERE ar.account_id = m.account_id AND ar.region = m.region;
    ANALYZE;`);
  await c.end();
}

/**
 * CPU seconds used so far by the PostgreSQL backends serving `url`'s database (their process
 * titles name it): with the benchmark's own CPU, what a run cost, whatever else loads the machine.
 */
function postgresCpuSeconds(url: string): number {
  const name = new URL(url).pathname.slice(1);
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(name)) continue;
      // utime and stime: fields 14 and 15 of /proc/<pid>/stat, counted after the command name.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The backend ended meanwhile.
    }
  }
  return ticks / 100; // USER_HZ
}

/** Measures reconciliation with the code under `root`; returns the per-run seconds and peak RSS. */
async function measure(root: string) {
  const imp = <T>(rel: string): Promise<T> => import(pathToFileURL(path.join(root, rel)).href) as Promise<T>;
  // The service's code as it ships: compiled by tsc into <root>/dist (what `node dist/src/cli.js`
  // runs), not transformed on import by tsx, whose output wraps every function it defines with a
  // name helper (3-4 % of the engine's time). The PostgreSQL bootstrap is the benchmark's own.
  execFileSync(process.execPath, [path.join(here, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  const svc = <T>(rel: string): Promise<T> => imp<T>(rel.replace(/^src\/(.*)\.ts$/, "dist/src/$1.js"));
  // A baseline commit older than support/postgres/ kept the PostgreSQL bootstrap in test/helpers/.
  const { startPostgresServer } = await imp<typeof import("../support/postgres/postgres-server.js")>(
    existsSync(path.join(root, "support/postgres/postgres-server.ts"))
      ? "support/postgres/postgres-server.ts"
      : "test/helpers/postgres-server.ts",
  );
  const { createDatabase } = await imp<typeof import("../support/postgres/databases.js")>(
    existsSync(path.join(root, "support/postgres/databases.ts"))
      ? "support/postgres/databases.ts"
      : "test/helpers/databases.ts",
  );
  const { applyMigrations } = await svc<typeof import("../src/db/migrator.js")>("src/db/migrator.ts");
  const { loadConfig } = await svc<typeof import("../src/config.js")>("src/config.ts");
  const { createLogger } = await svc<typeof import("../src/logger.js")>("src/logger.ts");
  const { startRuntime } = await svc<typeof import("../src/main/runtime.js")>("src/main/runtime.ts");
  const { parseCatalogDocument } = await svc<typeof import("../src/modules/catalog/catalog-document.js")>(
    "src/modules/catalog/catalog-document.ts",
  );
  const server = await startPostgresServer({
    TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || "",
  });
  const db = await createDatabase(server.adminUrl, "bench_reconcile");
  try {
    await applyMigrations(db.url);
    const t0 = performance.now();
    await seed(db.url);
    say(
      `seeded ${size.accounts} accounts × ${REGIONS.length} Regions × ${size.models} models in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: db.url,
      LOG_LEVEL: "warn",
      SYNC_CRON: "off",
      INVOCATIONS_INGEST_CRON: "off",
    });
    const runtime = await startRuntime(config, createLogger("warn", process.stderr), { migrate: false });
    const ctx = { principal: { kind: "system", id: "system", name: "bench", roles: ["admin"], groups: [] } } as never;
    await runtime.services.catalog.apply(ctx, parseCatalogDocument(CATALOG), "reconcile benchmark");
    const runs: Array<{
      seconds: number;
      nodeCpuSeconds: number;
      postgresCpuSeconds: number;
      found: number;
      created: number;
    }> = [];
    for (let i = 0; i < size.runs; i++) {
      const pgCpu = postgresCpuSeconds(db.url);
      const cpu = process.cpuUsage();
      const start = performance.now();
      const r = (await runtime.services.reconcile.reconcileNow(ctx)) as { found: number; created: number };
      const used = process.cpuUsage(cpu);
      runs.push({
        seconds: Number(((performance.now() - start) / 1000).toFixed(2)),
        nodeCpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
        postgresCpuSeconds: Number((postgresCpuSeconds(db.url) - pgCpu).toFixed(2)),
        found: r.found,
        created: r.created,
      });
      say(
        `run ${i + 1}: ${runs[i]?.seconds} s, ${r.found} findings (CPU: node ${runs[i]?.nodeCpuSeconds} s, PostgreSQL ${runs[i]?.postgresCpuSeconds} s)`,
      );
    }
    await runtime.close();
    const rss = Number(
      /VmHWM:\s+(\d+) kB/.exec(await (await import("node:fs/promises")).readFile("/proc/self/status", "utf8"))?.[1] ??
        0,
    );
    return { runs, peakRssMb: Math.round(rss / 1024) };
  } finally {
    await db.drop();
    await server.stop();
  }
}

async function baseline(commit: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "bg-baseline-"));
  try {
    execFileSync("git", ["worktree", "add", "--detach", dir, commit], { cwd: here, stdio: "ignore" });
    // The baseline runs on its own dependencies when its lockfile differs (a package it imports may
    // have been dropped since); otherwise it shares this checkout's.
    const lock = (root: string) => readFileSync(path.join(root, "package-lock.json"), "utf8");
    if (lock(dir) === lock(here)) symlinkSync(path.join(here, "node_modules"), path.join(dir, "node_modules"));
    else {
      say(`installing ${commit} dependencies`);
      execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, stdio: "ignore" });
    }
    execFileSync("node", ["scripts/prisma-generate.mjs"], { cwd: dir, stdio: "ignore" });
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          path.join(here, "node_modules/tsx/dist/cli.mjs"),
          path.join(here, "bench/reconcile.ts"),
          ...process.argv
            .slice(2)
            .filter(
              (a, i, all) =>
                a !== "--baseline" && all[i - 1] !== "--baseline" && a !== "--json" && all[i - 1] !== "--json",
            ),
          "--root",
          dir,
        ],
        { cwd: dir, stdio: ["ignore", "pipe", "inherit"] },
      );
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`baseline exited with ${code}`))));
    });
    return JSON.parse(out.trim().split("\n").pop() ?? "{}") as Awaited<ReturnType<typeof measure>>;
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", dir], { cwd: here, stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.root !== undefined) {
  process.stdout.write(`${JSON.stringify(await measure(args.root))}\n`);
} else {
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here, encoding: "utf8" }).trim();
  const base = args.baseline ? await baseline(args.baseline) : undefined;
  const current = await measure(here);
  const steady = (r: { runs: Array<{ seconds: number }> }) =>
    Math.min(...r.runs.slice(1).map((x) => x.seconds), r.runs[0]?.seconds ?? 0);
  // CPU of a run: this process plus its PostgreSQL backends (a baseline measured by an older
  // benchmark script has no CPU figures).
  const steadyCpu = (r: { runs: Array<{ nodeCpuSeconds?: number; postgresCpuSeconds?: number }> }) => {
    const cpu = r.runs.map((x) => (x.nodeCpuSeconds ?? Number.NaN) + (x.postgresCpuSeconds ?? Number.NaN));
    return Number(Math.min(...cpu.slice(1), cpu[0] ?? Number.NaN).toFixed(2));
  };
  const result = {
    benchmark: "reconcile",
    commit,
    size: { ...size, regions: REGIONS },
    current: { ...current, steadySeconds: steady(current), steadyCpuSeconds: steadyCpu(current) },
    ...(base
      ? {
          baseline: { commit: args.baseline, ...base, steadySeconds: steady(base), steadyCpuSeconds: steadyCpu(base) },
          ratio: Number((steady(current) / steady(base)).toFixed(3)),
          cpuRatio: Number((steadyCpu(current) / steadyCpu(base)).toFixed(3)),
        }
      : {}),
  };
  say(JSON.stringify(result));
  if (args.json) await writeFile(args.json, `${JSON.stringify(result, null, 2)}\n`);
}
