// PostgreSQL restarted in the middle of an organization sync (its own embedded server, stopped
// and started on the same data folder and port): /readyz turns 503 while it is away and 200 when
// it is back; the run completes with the same result as without the restart.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { applyMigrations } from "../../src/db/migrator.js";
import { demoScenario } from "../../src/sandbox/index.js";
import { freePort } from "../../support/postgres/postgres-server.js";
import { eventually } from "../helpers/wait.js";
import { ctx, type FaultRig, inconsistentAccountRegions, query, startRig, waitForRun } from "./helpers.js";

let dir: string | undefined;
let pgHandle: EmbeddedPostgresHandle | undefined;
let rig: FaultRig | undefined;

afterAll(async () => {
  await rig?.close().catch(() => undefined);
  await pgHandle?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const readyz = async () => (await rig?.t.app.inject({ url: "/readyz" }))?.statusCode;

const until = (what: string, check: () => Promise<boolean>) => eventually(check, Boolean, what, { timeoutMs: 60_000 });

describe("PostgreSQL restart during a sync", () => {
  it("readyz 503 while the database is away, 200 after; the run completes and nothing is half-written", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "bedrock-governor-pg-restart-"));
    await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres`
    const settings = { dataDir: path.join(dir, "data"), port: await freePort() };
    pgHandle = await startEmbeddedPostgres(settings);
    await applyMigrations(pgHandle.databaseUrl);
    const url = pgHandle.databaseUrl;
    // Slow AWS calls, so that the restart lands while account-Regions are in flight.
    rig = await startRig(
      { ...demoScenario(), faults: { seed: 6, latency: [{ distribution: "fixed", ms: 60 }] } },
      // A job's outcome is written once the database is back; a job whose handler was cut off
      // (or whose outcome could not be written in time) expires and is retried, which a short
      // timeout keeps within the test's time.
      { SYNC_CONCURRENCY: "2", DATABASE_POOL_SIZE: "4", SYNC_JOB_TIMEOUT_SECONDS: "15" },
      { name: "bedrock_governor", url, drop: async () => undefined },
    );
    expect(await readyz()).toBe(200);

    const run = await rig.t.services.sync.requestSync(ctx, { scope: "organization" });
    await until("some account-Regions done, others pending", async () => {
      const r = await rig?.t.services.sync.getRun(ctx, run.id);
      return !!r && r.progress.succeeded + r.progress.failed > 0 && r.progress.pending > 0;
    });

    await pgHandle.stop();
    await until("readyz 503", async () => (await readyz()) === 503);
    const away = await rig.t.app.inject({ url: "/readyz" });
    expect(away.headers["content-type"]).toContain("json");

    pgHandle = await startEmbeddedPostgres(settings);
    await until("readyz 200", async () => (await readyz()) === 200);

    const done = await waitForRun(rig.t, run.id);
    expect(["succeeded", "partial"]).toContain(done.status);
    expect(done.progress.pending).toBe(0);
    // The demo's one account without a member role fails at the credentials gate; nothing else.
    expect(done.errorsByGate.map((g) => g.gate)).toEqual(["credentials"]);
    const failed = await query<{ n: number }>(
      url,
      "SELECT count(*)::int AS n FROM account_regions WHERE status NOT IN ('ok', 'disabled') AND last_error_gate <> 'credentials'",
    );
    expect(failed[0]?.n).toBe(0);
    expect(await inconsistentAccountRegions(url)).toEqual([]);
  });
});
