// Finds a PostgreSQL server for the tests and the benchmarks: TEST_DATABASE_URL or DATABASE_URL
// when set; else a Testcontainers container when a Docker engine answers; else embedded PostgreSQL
// in a temp folder.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";

export interface PostgresServer {
  /** A URL whose user may CREATE DATABASE. */
  adminUrl: string;
  kind: "env" | "testcontainers" | "embedded";
  stop(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that nothing listens on (for an embedded server). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function startPostgresServer(env: NodeJS.ProcessEnv): Promise<PostgresServer> {
  const given = env.TEST_DATABASE_URL || env.DATABASE_URL;
  if (given) return { adminUrl: given, kind: "env", stop: async () => undefined };

  if (await dockerAnswers()) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:17-alpine").start();
    return {
      adminUrl: container.getConnectionUri(),
      kind: "testcontainers",
      stop: async () => void (await container.stop()),
    };
  }

  const dir = await mkdtemp(path.join(tmpdir(), "bedrock-governor-test-pg-"));
  // As root, PostgreSQL runs as `postgres`, which must reach its data folder.
  await chmod(dir, 0o755);
  const handle = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: await freePort() });
  return {
    adminUrl: handle.adminUrl,
    kind: "embedded",
    stop: async () => {
      await handle.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
