// Once per `npm test`: a PostgreSQL server, and a template database with every migration applied.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../src/db/migrator.js";
import { adminQuery, createDatabase } from "../support/postgres/databases.js";
import { startPostgresServer } from "../support/postgres/postgres-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgRunPrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startPostgresServer(process.env);
  const runPrefix = `bgt_${randomBytes(3).toString("hex")}`;
  const template = await createDatabase(server.adminUrl, `${runPrefix}_template`);
  await applyMigrations(template.url);
  // Nobody may connect to a template while it is copied.
  await adminQuery(server.adminUrl, `ALTER DATABASE "${template.name}" WITH ALLOW_CONNECTIONS false`);
  process.stdout.write(`tests use PostgreSQL from ${server.kind}; databases ${runPrefix}_*\n`);

  project.provide("pgAdminUrl", server.adminUrl);
  project.provide("pgTemplate", template.name);
  project.provide("pgRunPrefix", runPrefix);

  return async () => {
    // Drop what this run created, and only that.
    const pg = await import("pg");
    const client = new pg.default.Client({ connectionString: server.adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [`${runPrefix}\\_%`],
      );
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
    await server.stop();
    // The console build the browser tests shared (test/console/build-console.ts).
    rmSync(path.join(tmpdir(), `bg-console-${runPrefix}`), { recursive: true, force: true });
  };
}
