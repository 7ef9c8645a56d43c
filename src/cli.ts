#!/usr/bin/env node
// The one CLI: bedrock-governor <command>. Configuration comes from the environment (see README).
import { Command, InvalidArgumentError, Option } from "commander";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { applyMigrations, databaseStatus, readMigrationScripts } from "./db/migrator.js";
import { packageVersion } from "./lib/package-root.js";
import { createLogger } from "./logger.js";
import { resolveDatabase } from "./main/database.js";
import { startRuntime } from "./main/runtime.js";
import { serve } from "./main/serve.js";
import { worker } from "./main/worker.js";
import { ROLES, type Role } from "./modules/auth/auth.types.js";

function configOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Runs a command; a failure prints one line (details in the JSON log) and exits non-zero. */
function action<A extends unknown[]>(fn: (config: Readonly<Config>, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const config = configOrExit();
    try {
      await fn(config, ...args);
    } catch (err) {
      process.stderr.write(`bedrock-governor: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
  };
}

const program = new Command()
  .name("bedrock-governor")
  .description("Governs Amazon Bedrock model access across an AWS Organization.")
  .version(packageVersion())
  .showHelpAfterError();

program
  .command("serve", { isDefault: true })
  .description("Run the REST API and an in-process job worker (starts embedded PostgreSQL when DATABASE_URL is unset)")
  .action(action(async (config) => serve(config, createLogger(config.logLevel))));

program
  .command("worker")
  .description("Run background jobs only; start as many as you like against one database")
  .action(action(async (config) => worker(config, createLogger(config.logLevel))));

program
  .command("migrate")
  .description("Apply pending database migrations (under an advisory lock) and exit")
  .action(
    action(async (config) => {
      const log = createLogger(config.logLevel);
      const database = await resolveDatabase(config, log);
      try {
        const scripts = await readMigrationScripts();
        const { applied } = await applyMigrations(database.url, { log, scripts });
        log.info({ applied, total: scripts.length }, applied.length ? "migrations applied" : "nothing to migrate");
      } finally {
        await database.stop();
      }
    }),
  );

program
  .command("healthcheck")
  .description(
    "Exit 0 when healthy: with --url, that endpoint answers 2xx; without, the database is reachable and migrated",
  )
  .option("--url <url>", "an HTTP endpoint to probe, e.g. http://127.0.0.1:3000/readyz")
  .action(
    action(async (config, opts: { url?: string }) => {
      if (opts.url) {
        const res = await fetch(opts.url, { signal: AbortSignal.timeout(3000) });
        if (!res.ok) throw new Error(`${opts.url} answered ${res.status}`);
        return;
      }
      if (!config.databaseUrl) throw new Error("DATABASE_URL is not set");
      const status = await databaseStatus(config.databaseUrl);
      const bad = [...status.pending, ...status.failed, ...status.modified];
      if (bad.length) throw new Error(`database not migrated: ${bad.join(", ")}`);
    }),
  );

const apiKey = program.command("api-key").description("Manage API keys directly in the database (operator access)");
apiKey
  .command("create")
  .description("Create an API key and print its secret once (audited as the system)")
  .requiredOption("--name <name>", "what the key is for")
  .addOption(new Option("--role <role>", "role of the key").choices(ROLES).default("viewer"))
  .option("--expires <iso-date>", "expiry (ISO 8601)", (v: string) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime()) || d <= new Date()) throw new InvalidArgumentError("expected a future ISO 8601 date");
    return d;
  })
  .action(
    action(async (config, opts: { name: string; role: Role; expires?: Date }) => {
      const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
      const runtime = await startRuntime(config, log, { migrate: true });
      try {
        const created = await runtime.services.apiKeys.createAsSystem({
          name: opts.name,
          role: opts.role,
          ...(opts.expires ? { expiresAt: opts.expires } : {}),
        });
        process.stdout.write(`${JSON.stringify({ ...created.apiKey, secret: created.secret }, null, 2)}\n`);
      } finally {
        await runtime.close();
      }
    }),
  );

await program.parseAsync(process.argv);
