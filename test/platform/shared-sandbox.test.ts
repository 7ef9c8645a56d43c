// Sandbox mode across processes: `serve` and every CLI command see one simulated organization,
// kept in the sandbox folder across restarts (a CLI `apply` used to change a throwaway sandbox).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { emptyDatabase } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";

interface Server {
  child: ChildProcess;
  stderr: string;
  address: Promise<string>;
  exit: Promise<number | null>;
}

function startServe(env: Record<string, string>): Server {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
    env: { ...process.env, TEST_DATABASE_URL: "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const server: Server = { child, stderr: "", address: Promise.resolve(""), exit: Promise.resolve(null) };
  server.exit = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  server.address = new Promise((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) continue;
        const parsed = JSON.parse(line) as { msg?: string; address?: string };
        if (parsed.msg === "bedrock-governor is serving" && parsed.address) resolve(parsed.address);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      server.stderr += chunk.toString();
    });
    void server.exit.then((code) => reject(new Error(`serve exited with ${code}: ${server.stderr}`)));
  });
  server.address.catch(() => undefined);
  return server;
}

async function stop(server: Server): Promise<number | null> {
  if (server.child.exitCode === null) server.child.kill("SIGTERM");
  return server.exit;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEV_APP = "300000000003";
const CATALOG_SCP = "bedrock-governor-catalog-r-dr01";

let db: TestDatabase | undefined;
let dir: string | undefined;
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) s.child.kill("SIGKILL");
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("sandbox mode: one organization for every process", () => {
  it("a CLI apply shows in the server's next sync, CLI and API doctor agree, a restart keeps the organization", async () => {
    db = await emptyDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "bg-shared-sandbox-"));
    const env = {
      DATABASE_URL: db.url,
      SANDBOX_URL: "",
      SANDBOX_STATE_DIR: dir,
      SANDBOX_SCENARIO: "test/fixtures/drift-scenario.yaml",
      SYNC_CRON: "off",
      INVOCATIONS_INGEST_CRON: "off",
    };
    const cli = async (...args: string[]) => runCli(args, { ...env, LOG_LEVEL: "error" });

    let server = startServe(env);
    servers.push(server);
    let addr = await server.address;
    const key = /bgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(server.stderr)?.[0] as string;
    expect(key).toBeDefined();
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${addr}${url}`, {
        method,
        headers: body === undefined ? { authorization: headers.authorization } : headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const syncAndWait = async () => {
      const started = await api("POST", "/v1/sync-runs", { scope: { kind: "organization" } });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      for (let i = 0; i < 600; i++) {
        const run = await api("GET", `/v1/sync-runs/${started.body.id as string}`);
        if (run.body.status !== "queued" && run.body.status !== "running") {
          // A sync of the shared organization must reach every account (partial at worst).
          expect(["succeeded", "partial"], JSON.stringify(run.body)).toContain(run.body.status);
          return run.body;
        }
        await sleep(100);
      }
      throw new Error("sync did not finish");
    };
    const devPolicies = async () => {
      const account = await api("GET", `/v1/accounts/${DEV_APP}`);
      expect(account.status).toBe(200);
      return (account.body.effectivePolicies as Array<{ name: string }>).map((p) => p.name);
    };

    // The server started the installation's sandbox and says where it listens.
    const endpointFiles = () => (existsSync(dir as string) ? readdirSync(dir as string) : []);
    expect(endpointFiles().some((f) => f.endsWith(".endpoint.json"))).toBe(true);
    await syncAndWait();
    expect(await devPolicies()).not.toContain(CATALOG_SCP);

    // The CLI plans and applies the catalog's SCP; it talks to the server's sandbox.
    const catalog = path.join(dir, "catalog.yaml");
    writeFileSync(
      catalog,
      "entries:\n  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default }\n",
    );
    const catalogApply = await cli("catalog", "apply", "-f", catalog, "--reason", "fixture");
    expect(catalogApply.code, catalogApply.stderr).toBe(0);
    const plan = await cli("plan");
    expect(plan.code, plan.stderr).toBe(2);
    const planId = /apply it with: bedrock-governor apply ([0-9a-f-]{36})/.exec(plan.stdout)?.[1] as string;
    expect(planId).toBeDefined();
    const apply = await cli("apply", planId);
    expect(apply.code, apply.stderr).toBe(0);
    // Both changes (create and attach the SCP) made, none failed, and the verifying sync ended.
    expect(apply.stdout).toMatch(/^results: 2 applied, 0 failed, 0 skipped$/m);
    expect(apply.stdout).toMatch(/^verifying sync run [0-9a-f-]{36} (succeeded|partial)$/m);

    // The server's next sync sees the SCP the CLI created.
    await syncAndWait();
    expect(await devPolicies()).toContain(CATALOG_SCP);

    // CLI doctor and API doctor give the same verdict for a model the new SCP denies.
    const model = "deepseek.r1-v1:0";
    const cliDoctor = await cli("doctor", "--account", DEV_APP, "--region", "us-east-1", "--model", model, "--json");
    const fromCli = JSON.parse(cliDoctor.stdout) as { verdict: string; blockingGate: string | null };
    const fromApi = await api("POST", "/v1/doctor", { accountId: DEV_APP, region: "us-east-1", model });
    expect(fromApi.status).toBe(200);
    expect(fromCli.verdict).toBe("blocked");
    expect({ verdict: fromApi.body.verdict, blockingGate: fromApi.body.blockingGate }).toEqual({
      verdict: fromCli.verdict,
      blockingGate: fromCli.blockingGate,
    });

    // A restart keeps the simulated organization: the SCP is still there after a fresh sync.
    expect(await stop(server)).toBe(0);
    expect(endpointFiles().some((f) => f.endsWith(".endpoint.json"))).toBe(false);
    const state = endpointFiles().find((f) => f.endsWith(".state.json")) as string;
    expect(readFileSync(path.join(dir, state), "utf8")).toContain(CATALOG_SCP);
    server = startServe(env);
    servers.push(server);
    addr = await server.address;
    await syncAndWait();
    expect(await devPolicies()).toContain(CATALOG_SCP);
    expect(await stop(server)).toBe(0);
  }, 300_000);
});
