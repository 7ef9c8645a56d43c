// The real CLI in child processes: startup against one empty database, embedded defaults,
// bootstrap key, graceful shutdown.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { emptyDatabase } from "../helpers/app.js";

interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  address: Promise<string>;
  exit: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: "", TEST_DATABASE_URL: "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: Proc = { child, stdout: [], stderr: "", address: Promise.resolve(""), exit: Promise.resolve(null) };
  proc.exit = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  proc.address = new Promise((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const line of lines) {
        proc.stdout.push(line);
        if (!line.startsWith("{")) continue;
        const parsed = JSON.parse(line) as { msg?: string; address?: string };
        if (parsed.msg === "bedrock-governor is serving" && parsed.address) resolve(parsed.address);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      proc.stderr += chunk.toString();
    });
    void proc.exit.then((code) => reject(new Error(`exited with ${code} before serving: ${proc.stderr}`)));
  });
  proc.address.catch(() => undefined); // only serve reports an address; others just exit
  return proc;
}

async function stop(proc: Proc): Promise<number | null> {
  if (proc.child.exitCode === null) proc.child.kill("SIGTERM");
  return proc.exit;
}

const dbs: TestDatabase[] = [];
const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const db of dbs) await db.drop();
});

describe("bedrock-governor serve", () => {
  it("two processes started at the same moment on one empty database both become ready", async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const a = startCli(["serve"], { DATABASE_URL: db.url });
    const b = startCli(["serve"], { DATABASE_URL: db.url });
    procs.push(a, b);
    const [addrA, addrB] = await Promise.all([a.address, b.address]);
    for (const addr of [addrA, addrB]) {
      const res = await fetch(`${addr}/readyz`);
      expect(res.status).toBe(200);
    }
    // Exactly one of them printed the bootstrap key: it exists once.
    const printed = [a.stderr, b.stderr].filter((s) => /bgk_[0-9a-f]{16}_/.test(s));
    expect(printed).toHaveLength(1);
    expect(await stop(a), a.stderr).toBe(0);
    expect(await stop(b), b.stderr).toBe(0);
  });

  it("without DATABASE_URL runs on embedded PostgreSQL; the printed key works; SIGTERM drains in-flight requests", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bg-embedded-"));
    chmodSync(dir, 0o755);
    const port = String(20000 + Math.floor(Math.random() * 20000));
    try {
      const p = startCli(["serve"], { EMBEDDED_PG_DIR: path.join(dir, "pg"), EMBEDDED_PG_PORT: port });
      procs.push(p);
      const addr = await p.address;
      expect((await fetch(`${addr}/readyz`)).status).toBe(200);
      const key = /bgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(p.stderr)?.[0];
      expect(key).toBeDefined();
      const me = await fetch(`${addr}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ roles: ["admin"] });
      // The secret is on the console once, and never in the JSON log.
      expect(p.stdout.join("\n")).not.toContain(key as string);

      // First start in sandbox mode: the demo organization is synced without being asked.
      const auth = { authorization: `Bearer ${key}` };
      let run: { status: string; trigger: string } | undefined;
      for (let i = 0; i < 300; i++) {
        const runs = (await (await fetch(`${addr}/v1/sync-runs`, { headers: auth })).json()) as {
          items: Array<{ status: string; trigger: string }>;
        };
        run = runs.items[0];
        if (run && run.status !== "queued" && run.status !== "running") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(run).toMatchObject({ trigger: "startup", status: "partial" });
      const system = (await (await fetch(`${addr}/v1/system`, { headers: auth })).json()) as {
        aws: { target: string };
      };
      expect(system.aws.target).toBe("sandbox");

      // A request in flight when SIGTERM arrives still completes: its body is still arriving.
      const url = new URL(`${addr}/v1/api-keys`);
      const body = JSON.stringify({ name: "during-shutdown", role: "viewer" });
      const inflight = new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: "POST",
            headers: {
              authorization: `Bearer ${key}`,
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          p.child.kill("SIGTERM");
          setTimeout(() => req.end(body.slice(10)), 300);
        }, 100);
      });
      expect(await inflight).toBe(201);
      expect(await p.exit).toBe(0);
      expect(p.stdout.some((l) => l.includes("shutdown complete"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bedrock-governor migrate and worker", () => {
  it("migrate applies the migrations and exits 0; worker starts and stops cleanly", async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const m = startCli(["migrate"], { DATABASE_URL: db.url });
    expect(await m.exit).toBe(0);
    expect(m.stdout.some((l) => l.includes("migrations applied"))).toBe(true);

    const w = startCli(["worker"], { DATABASE_URL: db.url });
    procs.push(w);
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (w.stdout.some((l) => l.includes("job worker started"))) {
          clearInterval(timer);
          resolve();
        }
        if (w.child.exitCode !== null) reject(new Error(w.stderr));
      }, 100);
    });
    expect(await stop(w)).toBe(0);
  });

  it("--help describes each command", async () => {
    for (const cmd of ["serve", "worker", "migrate"]) {
      const h = startCli([cmd, "--help"], {});
      expect(await h.exit).toBe(0);
    }
  });
});
