// Renders the OpenAPI document from the route schemas, without a database or network: the app is
// built with its real services over a database client that is never used.
import { buildApp } from "./app.js";
import { createServices } from "./composition.js";
import { loadConfig } from "./config.js";
import { readMigrationScripts } from "./db/migrator.js";
import { createDatabase } from "./db/prisma.js";
import { createLogger } from "./logger.js";

export async function renderOpenApiYaml(): Promise<string> {
  const config = loadConfig({ DATABASE_URL: "postgresql://openapi@127.0.0.1:9/unused", LOG_LEVEL: "silent" });
  const log = createLogger("silent");
  const db = createDatabase({ url: config.databaseUrl as string, poolSize: 1 });
  const app = await buildApp({
    config,
    logger: log,
    services: createServices({ config, db, migrations: await readMigrationScripts(), log }),
  });
  try {
    await app.ready();
    return app.swagger({ yaml: true });
  } finally {
    await app.close();
    await db.close();
  }
}
