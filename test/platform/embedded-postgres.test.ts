// The embedded PostgreSQL's data folder: the process that starts the server records its port and
// postmaster pid beside the data, so another process (a CLI in a second shell) pointed at the
// same folder joins it whatever port it was given; and, as root, a folder the `postgres` user
// cannot reach is fixed when the service made it, or refused naming the folder, its mode and
// owner and the fix.
import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedPostgresHandle, instanceFile, startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { freePort } from "../../support/postgres/postgres-server.js";
import { runCli } from "../helpers/cli.js";

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
const dirs: string[] = [];
const handles: EmbeddedPostgresHandle[] = [];

async function tempDir(mode?: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "bg-embedded-pg-"));
  dirs.push(dir);
  if (mode !== undefined) await chmod(dir, mode);
  return dir;
}

async function start(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const h = await startEmbeddedPostgres({ dataDir, port });
  handles.push(h);
  return h;
}

afterEach(async () => {
  for (const h of handles.splice(0).reverse()) await h.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("embedded PostgreSQL shared through its data folder", () => {
  it("records port and pid; a CLI on the same folder without EMBEDDED_PG_PORT joins it; stop removes the record", async () => {
    const dir = await tempDir(0o755);
    const dataDir = path.join(dir, "pg");
    const port = await freePort();
    const server = await start(dataDir, port);
    expect(server).toMatchObject({ owned: true, port });

    const record = JSON.parse(readFileSync(instanceFile(dataDir), "utf8")) as { port: number; pid: number };
    expect(record.port).toBe(port);
    const postmaster = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0];
    expect(record.pid).toBe(Number(postmaster));
    expect((statSync(instanceFile(dataDir)).mode & 0o777).toString(8)).toBe("600");

    // In process, configured with another port: joins the running server.
    const joined = await start(dataDir, await freePort());
    expect(joined).toMatchObject({ owned: false, port, databaseUrl: server.databaseUrl });

    // A second shell: the CLI with the folder only (EMBEDDED_PG_PORT unset: its default port).
    const r = await runCli(["migrate"], {
      DATABASE_URL: "",
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: "",
      SANDBOX_URL: "",
      LOG_LEVEL: "info",
    });
    expect(r.code, r.stderr).toBe(0);
    const joinedLine = r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; port?: number; owned?: boolean })
      .find((l) => l.msg === "joined the running embedded PostgreSQL");
    expect(joinedLine).toMatchObject({ port, owned: false });

    // The CLI migrated the server's database and left the server running.
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const applied = await client.query("SELECT count(*)::int AS n FROM _prisma_migrations");
      expect(applied.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }

    for (const h of handles.splice(0).reverse()) await h.stop();
    expect(existsSync(instanceFile(dataDir))).toBe(false);
  }, 120_000);

  it.runIf(asRoot)(
    "refuses a data folder under a root-only folder it did not create, naming the folder, mode, owner and fix",
    async () => {
      const locked = await tempDir(0o700);
      const dataDir = path.join(locked, "pg");
      const err = await startEmbeddedPostgres({ dataDir, port: await freePort() }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toContain(`${locked} has mode 0700 and is owned by root:root`);
      expect(err?.message).toContain(`chmod o+x ${locked}`);
      expect(err?.message).not.toMatch(/set DATABASE_URL or EMBEDDED_PG_PORT/);
      expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(false);
    },
  );

  it.runIf(asRoot)(
    "fixes the folders it created without search permission for postgres, then starts",
    async () => {
      const dir = await tempDir(0o755);
      const dataDir = path.join(dir, "made", "here", "pg");
      const before = process.umask(0o077); // the folders it creates come out 0700
      let server: EmbeddedPostgresHandle;
      try {
        server = await start(dataDir, await freePort());
      } finally {
        process.umask(before);
      }
      expect(server.owned).toBe(true);
      for (const d of [path.join(dir, "made"), path.join(dir, "made", "here")])
        expect((statSync(d).mode & 0o777).toString(8)).toBe("701");
      expect(statSync(dir).mode & 0o777).toBe(0o755); // not its folder: untouched
    },
    120_000,
  );
});
