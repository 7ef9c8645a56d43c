// Renders the OpenAPI document from the route schemas, without a database or network: the app is
// built with its real services over a database client that is never used.
import { buildApp } from "./app.js";
import { createAwsAccess } from "./aws/aws-access.js";
import { DEFAULT_RATES } from "./aws/rate-limiter.js";
import { createServices } from "./composition.js";
import { loadConfig } from "./config.js";
import { readMigrationScripts } from "./db/migrator.js";
import { createDatabase } from "./db/prisma.js";
import { createJobQueue } from "./jobs/queue.js";
import { createMetrics } from "./lib/metrics.js";
import { packageVersion } from "./lib/package-root.js";
import { createLogger } from "./logger.js";

export async function renderOpenApiYaml(): Promise<string> {
  const config = loadConfig({ DATABASE_URL: "postgresql://openapi@127.0.0.1:9/unused", LOG_LEVEL: "silent" });
  const log = createLogger("silent");
  const db = createDatabase({ url: config.databaseUrl as string, poolSize: 1 });
  // Never called: the endpoint and keys exist only so the services can be built.
  const aws = createAwsAccess({
    target: "sandbox",
    clients: {
      homeRegion: "us-east-1",
      endpoint: "http://127.0.0.1:9",
      maxAttempts: 1,
      requestTimeoutMs: 1000,
      rates: DEFAULT_RATES,
    },
    roleChain: { memberRoleName: "unused", sessionName: "openapi", durationSeconds: 900, refreshMarginMs: 0 },
    baseCredentials: { accessKeyId: "AKIAUNUSED0000000000", secretAccessKey: "unused" },
  });
  const environment = {
    version: packageVersion(),
    database: { embedded: false },
    aws: { target: "sandbox" as const, homeRegion: "us-east-1" },
  };
  // Never started: building pg-boss does not connect.
  const queue = createJobQueue({ databaseUrl: config.databaseUrl as string, log, concurrency: 1 });
  const services = createServices({
    config,
    db,
    migrations: await readMigrationScripts(),
    log,
    aws,
    environment,
    queue,
    metrics: createMetrics(),
  });
  const app = await buildApp({ config, logger: log, services });
  try {
    await app.ready();
    return app.swagger({ yaml: true });
  } finally {
    await app.close();
    await db.close();
    aws.close();
  }
}
