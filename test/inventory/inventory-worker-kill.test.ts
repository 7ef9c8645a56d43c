// A worker process killed (SIGKILL) in the middle of a run: another worker finishes the run, the
// state is right, and no history row is duplicated.
import { type ChildProcess, spawn } from "node:child_process";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createLogger } from "../../src/logger.js";
import { type Runtime, startRuntime } from "../../src/main/runtime.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { demoScenario, parseScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";

let db: TestDatabase | undefined;
let sandbox: Sandbox | undefined;
let runtime: Runtime | undefined;
const workers: ChildProcess[] = [];

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
  await runtime?.queue.stop(2_000);
  await runtime?.close();
  await sandbox?.close();
  await db?.drop();
});

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "worker"], {
    env: { ...process.env, TEST_DATABASE_URL: "", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  workers.push(child);
  return child;
}

describe("a worker killed mid-run", () => {
  it("loses nothing: the run completes on another worker, state is right, history is not duplicated", async () => {
    db = await migratedDatabase();
    // Slow calls so that the kill lands while account-Regions are in flight.
    const scenario = parseScenario({
      ...demoScenario(),
      faults: { seed: 3, latency: [{ distribution: "fixed", ms: 40 }] },
    });
    sandbox = await startSandbox({ scenario, port: 0 });
    const env: Record<string, string> = {
      DATABASE_URL: db.url,
      AWS_TARGET: "sandbox",
      SANDBOX_URL: sandbox.url,
      AWS_ACCESS_KEY_ID: sandbox.baseCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.baseCredentials.secretAccessKey,
      AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
      ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
      INVENTORY_REGIONS: sandbox.state.defaultRegions.join(","),
      SYNC_CONCURRENCY: "4",
      SYNC_JOB_TIMEOUT_SECONDS: "6",
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
      SYNC_CRON: "off",
      INVOCATIONS_INGEST_CRON: "off",
      LOG_LEVEL: "warn",
      BOOTSTRAP_ADMIN: "off",
    };
    // This process only requests and watches the run; it runs no jobs.
    runtime = await startRuntime(loadConfig(env), createLogger("silent"), { migrate: false });
    await runtime.queue.start({ work: false, jobs: runtime.services.jobs });
    const ctx = { principal: SYSTEM_PRINCIPAL };
    const query = async <T>(text: string): Promise<T[]> => {
      const c = new pg.Client({ connectionString: (db as TestDatabase).url });
      await c.connect();
      try {
        return (await c.query(text)).rows as T[];
      } finally {
        await c.end();
      }
    };
    const progress = async (id: string) => (await runtime?.services.sync.getRun(ctx, id))?.progress;

    const first = startWorker(env);
    const run = await runtime.services.sync.requestSync(ctx, { scope: "organization" });
    // Wait until some account-Regions are done and others still pending, then kill the worker.
    for (let i = 0; ; i++) {
      const p = await progress(run.id);
      if (p && p.total > 0 && p.succeeded + p.failed >= 3 && p.pending > 3) break;
      if (i > 600) throw new Error(`run did not progress: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = await progress(run.id);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));

    startWorker(env);
    let final = await runtime.services.sync.getRun(ctx, run.id);
    for (let i = 0; i < 1200 && (final.status === "running" || final.status === "queued"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      final = await runtime.services.sync.getRun(ctx, run.id);
    }
    expect(before?.pending).toBeGreaterThan(0);
    expect(final.status).toBe("partial"); // the account without a member role
    expect(final.progress.pending).toBe(0);
    expect(final.errorsByGate.map((g) => g.gate)).toEqual(["credentials"]);

    const regions = await query<{ account_id: string; status: string; model_count: number; rows: number }>(`
      SELECT ar.account_id, ar.status, ar.model_count,
        (SELECT count(*)::int FROM model_access m WHERE m.account_id = ar.account_id AND m.region = ar.region) AS rows
      FROM account_regions ar`);
    const broken = regions.filter(
      (r) => r.account_id !== DEMO_ACCOUNTS.sandboxAlice && r.status !== "ok" && r.status !== "disabled",
    );
    expect(broken).toEqual([]);
    for (const r of regions.filter((x) => x.status === "ok")) {
      expect(r.rows).toBe(r.model_count);
      expect(r.rows).toBeGreaterThan(0);
    }
    const duplicates = await query(`
      SELECT entity, account_id, region, subject, change, count(*)::int AS n FROM inventory_changes
      GROUP BY entity, account_id, region, subject, change HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
  });
});
