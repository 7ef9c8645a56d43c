// The service's processes and their upkeep: `serve`, `worker`, `migrate`, `healthcheck`. serve and
// worker keep running until SIGTERM/SIGINT (src/main/); their log, like migrate's, is their output.
import type { Command } from "commander";
import { applyMigrations, databaseStatus, readMigrationScripts } from "../db/migrator.js";
import { type CommandContext, runCommand } from "./run-command.js";

export function registerProcessCommands(program: Command): void {
  program
    .command("serve", { isDefault: true })
    .description(
      "Run the REST API and an in-process job worker (starts embedded PostgreSQL when DATABASE_URL is unset)",
    )
    .action(
      runCommand(async ({ config, log }) => (await import("../main/serve.js")).serve(config, log), { logs: "output" }),
    );
  program
    .command("worker")
    .description("Run background jobs only; start as many as you like against one database")
    .action(
      runCommand(async ({ config, log }) => (await import("../main/worker.js")).worker(config, log), {
        logs: "output",
      }),
    );
  program
    .command("migrate")
    .description("Apply pending database migrations (under an advisory lock) and exit")
    .action(runCommand(migrate, { logs: "output" }));
  program
    .command("healthcheck")
    .description(
      "Exit 0 when healthy: with --url, that endpoint answers 2xx; without, the database is reachable and migrated",
    )
    .option("--url <url>", "an HTTP endpoint to probe, e.g. http://127.0.0.1:3000/readyz")
    .action(runCommand((ctx, opts: { url?: string }) => healthcheck(ctx, opts)));
}

async function migrate({ log, database }: CommandContext): Promise<void> {
  const { url } = await database();
  const scripts = await readMigrationScripts();
  const { applied } = await applyMigrations(url, { log, scripts });
  log.info({ applied, total: scripts.length }, applied.length ? "migrations applied" : "nothing to migrate");
}

async function healthcheck({ config }: CommandContext, opts: { url?: string }): Promise<void> {
  if (opts.url) {
    const res = await fetch(opts.url, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`${opts.url} answered ${res.status}`);
    return;
  }
  if (!config.databaseUrl) throw new Error("DATABASE_URL is not set");
  const status = await databaseStatus(config.databaseUrl);
  const bad = [...status.pending, ...status.failed, ...status.modified];
  if (bad.length) throw new Error(`database not migrated: ${bad.join(", ")}`);
}
