// How every command runs: configuration, logger, what it opens and how it ends. A bad variable is
// one line on stderr and exit 2, a bad command line (UsageError) one line and exit 2, any other
// failure one line and exit 1; otherwise the exit code is the one the command returns. What the
// command opened through its context (database, runtime, job queue) is always closed first.
import type { Logger } from "pino";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { type ResolvedDatabase, resolveDatabase } from "../main/database.js";
import type { Runtime } from "../main/runtime.js";

/** A command line that cannot be carried out as given: exit code 2, a line on stderr per line of its message. */
export class UsageError extends Error {}

export interface CommandContext {
  config: Readonly<Config>;
  log: Logger;
  /**
   * Database (migrated unless `migrate: false`), AWS, services and job queue; opened once. The job
   * queue is started: to send only (default; serve/worker or a later `--wait` do the work), or with
   * `jobs: "work"` consuming every queue in this process. A service that enqueues a job (a sync
   * run, an ingestion) thus never meets an unstarted queue.
   */
  runtime(opts?: { migrate?: boolean; jobs?: "send" | "work" }): Promise<Runtime>;
  /** Only the database (DATABASE_URL, or the embedded PostgreSQL); opened once. */
  database(): Promise<ResolvedDatabase>;
}

export interface CommandOptions {
  /** Named in usage errors: `bedrock-governor <name>: …` (unset: `bedrock-governor: …`). */
  name?: string;
  /**
   * `output`: the log is the command's output (serve, worker, migrate, sandbox): JSON on stdout at
   * LOG_LEVEL. Default: JSON on stderr, `info` raised to `warn`, so stdout carries only the result.
   */
  logs?: "output";
}

/** A command; a number it returns is the exit code (nothing: 0). */
export type CommandBody<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<unknown>;

function fail(line: string, code: number): never {
  process.stderr.write(`${line}\n`);
  process.exit(code);
}

function configOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

/** A commander action running `body`; commander's arguments (positionals, options) follow the context. */
export function runCommand<A extends unknown[]>(body: CommandBody<A>, opts: CommandOptions = {}) {
  return async (...args: A): Promise<void> => {
    const config = configOrExit();
    const log =
      opts.logs === "output"
        ? createLogger(config.logLevel)
        : createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
    for (const v of config.deprecatedVariables)
      log.warn({ variable: v.deprecatedName, use: v.name }, `${v.deprecatedName} is deprecated; use ${v.name}`);

    let runtime: Promise<Runtime> | undefined;
    let database: Promise<ResolvedDatabase> | undefined;
    const ctx: CommandContext = {
      config,
      log,
      runtime: (o = {}) => {
        // Imported when a command opens it: the composition root is no part of a command that does not.
        runtime ??= import("../main/runtime.js").then(async ({ startJobs, startRuntime }) => {
          const rt = await startRuntime(config, log, { migrate: o.migrate ?? true });
          try {
            if (o.jobs === "work") await startJobs(rt, log);
            else await rt.queue.start({ work: false, jobs: rt.services.jobs });
          } catch (err) {
            await rt.close();
            throw err;
          }
          return rt;
        });
        return runtime;
      },
      database: () => {
        database ??= resolveDatabase(config, log);
        return database;
      },
    };
    async function close() {
      const opened = await runtime?.catch(() => undefined);
      if (opened) {
        await opened.queue.stop(Math.max(1000, config.shutdownTimeoutMs - 2000));
        await opened.close();
      }
      await (await database?.catch(() => undefined))?.stop();
    }

    let result: unknown;
    try {
      try {
        result = await body(ctx, ...args);
      } finally {
        await close();
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof UsageError)) fail(`bedrock-governor: ${message}`, 1);
      const prefix = `bedrock-governor${opts.name ? ` ${opts.name}` : ""}: `;
      fail(
        message
          .split("\n")
          .map((line) => `${prefix}${line}`)
          .join("\n"),
        2,
      );
    }
    if (typeof result === "number") process.exitCode = result;
  };
}
