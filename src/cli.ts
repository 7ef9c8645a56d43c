#!/usr/bin/env node
// The one CLI: bedrock-governor <command>. Configuration comes from the environment (see README).
import { Command, InvalidArgumentError, Option } from "commander";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { applyMigrations, databaseStatus, readMigrationScripts } from "./db/migrator.js";
import { ROLES, type Role } from "./kernel/principal.js";
import { packageVersion } from "./lib/package-root.js";
import { createLogger } from "./logger.js";
import { runAuditIngest, runReport } from "./main/audit-command.js";
import { auditVerifyCommand } from "./main/audit-verify-command.js";
import { catalogCommand } from "./main/catalog-command.js";
import { resolveDatabase } from "./main/database.js";
import { type DoctorCliOptions, doctorCli } from "./main/doctor-command.js";
import { type PlanCommandOptions, remediationCommand } from "./main/remediation-command.js";
import { type CreateOptions, requestCommand } from "./main/request-command.js";
import { startRuntime } from "./main/runtime.js";
import { serve } from "./main/serve.js";
import { onShutdownSignal } from "./main/shutdown.js";
import { runSyncCommand, type SyncCommandOptions, UsageError } from "./main/sync-command.js";
import { worker } from "./main/worker.js";
import { demoScenario, generateScenario, loadScenarioFile, startSandbox } from "./sandbox/index.js";

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

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

program
  .command("sandbox")
  .description("Run the AWS sandbox (Organizations, STS, IAM, Bedrock, CloudTrail, S3) for a simulated organization")
  .option("--scenario <file>", "scenario file (YAML or JSON); default: the built-in demo organization")
  .option("--generate", "generate a large organization instead of a scenario file")
  .option("--accounts <n>", "with --generate: accounts", positiveInt, 1000)
  .option("--regions <n>", "with --generate: Regions", positiveInt, 4)
  .option("--models <n>", "with --generate: models", positiveInt, 100)
  .option("--seed <n>", "with --generate: random seed", positiveInt, 1)
  .option(
    "--port <n>",
    "port (0: any free port)",
    (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
      return n;
    },
    4566,
  )
  .action(
    action(
      async (
        config,
        opts: {
          scenario?: string;
          generate?: boolean;
          accounts: number;
          regions: number;
          models: number;
          seed: number;
          port: number;
        },
      ) => {
        const log = createLogger(config.logLevel);
        const scenario = opts.generate
          ? generateScenario({ accounts: opts.accounts, regions: opts.regions, models: opts.models, seed: opts.seed })
          : opts.scenario
            ? await loadScenarioFile(opts.scenario)
            : demoScenario();
        const sandbox = await startSandbox({ scenario, port: opts.port, host: config.host, log });
        log.info({ url: sandbox.url, managementAccountId: sandbox.managementAccountId }, "AWS sandbox listening");
        // What a client needs to talk to it; these keys are only valid in this sandbox.
        process.stdout.write(
          [
            "",
            `  AWS sandbox at ${sandbox.url} (management account ${sandbox.managementAccountId})`,
            "  Point bedrock-governor at it:",
            `    export AWS_TARGET=sandbox SANDBOX_URL=${sandbox.url}`,
            `    export AWS_ACCESS_KEY_ID=${sandbox.baseCredentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${sandbox.baseCredentials.secretAccessKey}`,
            `    export AWS_MEMBER_ROLE_NAME=${sandbox.memberRoleName}${sandbox.externalId ? ` AWS_EXTERNAL_ID=${sandbox.externalId}` : ""}`,
            "",
          ].join("\n"),
        );
        onShutdownSignal(log, config.shutdownTimeoutMs, () => sandbox.close());
      },
    ),
  );

program
  .command("sync")
  .description(
    "Request an inventory sync run (audited as the system) and print its id; with --wait, work it in this process and follow it. Exit codes with --wait: 0 succeeded, 3 partial, 1 failed",
  )
  .option("--ou <id>", "sync the accounts under this OU (default: the whole organization)")
  .option("--account <id>", "sync one account")
  .option("--region <region>", "only this Region (with --account: one account-Region)")
  .option("--wait", "run the jobs in this process and follow the run until it finishes")
  .action(
    action(async (config, opts: SyncCommandOptions) => {
      // Logs go to stderr: stdout carries the run id, progress and summary.
      const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
      try {
        process.exitCode = await runSyncCommand(config, log, opts);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`bedrock-governor sync: ${err.message}\n`);
        process.exit(2);
      }
    }),
  );

/** Runs a remediation command; usage errors exit 2 with one line. */
async function runRemediation(config: Config, act: Parameters<typeof remediationCommand>[2]) {
  const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
  try {
    process.exitCode = await remediationCommand(config, log, act);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bedrock-governor: ${err.message}\n`);
    process.exit(2);
  }
}

program
  .command("plan")
  .description(
    "Plan the AWS changes (SCPs, agreements, Anthropic use case) that close the drift in a scope; writes nothing to AWS. Exit 2 when there are changes",
  )
  .option("--ou <id>", "the accounts under this OU (or the root)")
  .option("--account <id>", "one account")
  .option("--region <region>", "with --account: only this Region's agreements and use case")
  .option("--use-case-file <form.json>", "the Anthropic use-case form (JSON) to submit where it is missing")
  .option("--json", "print the plan as JSON")
  .action(action(async (config, opts: PlanCommandOptions) => runRemediation(config, { kind: "plan", opts })));

program
  .command("apply")
  .description("Apply a stored remediation plan (refused when stale); the touched scopes are re-synced")
  .argument("<plan-id>", "the plan id printed by `plan`")
  .option("--json", "print the outcome as JSON")
  .action(
    action(async (config, planId: string, opts: { json?: boolean }) =>
      runRemediation(config, { kind: "apply", planId, ...(opts.json ? { json: true } : {}) }),
    ),
  );

program
  .command("reconcile")
  .description("Reconcile the catalog with the inventory now and print what changed in the findings")
  .action(action(async (config) => runRemediation(config, { kind: "reconcile" })));

const catalog = program
  .command("catalog")
  .description("The approved-models catalog as a YAML file kept in git (operator access; audited as cli:<user>)");
catalog
  .command("diff")
  .description("Show what applying the file would change (exit 2 when there are changes)")
  .requiredOption("-f, --file <catalog.yaml>", "catalog document")
  .action(
    action(async (config, opts: { file: string }) => {
      const code = await catalogCommand(
        config,
        createLogger(config.logLevel === "info" ? "warn" : config.logLevel),
        "diff",
        opts,
      );
      process.exitCode = code;
    }),
  );
catalog
  .command("apply")
  .description("Make the catalog equal to the file, as one audited change set")
  .requiredOption("-f, --file <catalog.yaml>", "catalog document")
  .requiredOption("--reason <text>", "why (kept with every version)")
  .action(
    action(async (config, opts: { file: string; reason: string }) => {
      await catalogCommand(config, createLogger(config.logLevel === "info" ? "warn" : config.logLevel), "apply", opts);
    }),
  );
catalog
  .command("export")
  .description("Print the catalog (now, or in force at --at) as YAML")
  .option("--at <iso-date>", "the catalog in force at this time", (v: string) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new InvalidArgumentError("expected an ISO 8601 date");
    return d;
  })
  .action(
    action(async (config, opts: { at?: Date }) => {
      await catalogCommand(config, createLogger(config.logLevel === "info" ? "warn" : config.logLevel), "export", opts);
    }),
  );

program
  .command("doctor")
  .description(
    "Why a principal can or cannot call a model in an account-Region: credentials, Region, model access, organization policy and IAM, gate by gate with evidence and fix. With only --error: classify the error without calling AWS. Exit codes: 0 no gate fails, 3 a gate fails, 2 unusable input",
  )
  .option("--account <id>", "AWS account id (12 digits)")
  .option("--region <region>", "Region the call is made from, e.g. us-east-1")
  .option("--model <id>", "model id, inference profile id, or either's ARN")
  .option("--principal <arn>", "IAM role/user (or assumed-role session) ARN making the call: simulates its policies")
  .option("--error <text>", "the error message as received: classified and compared with the live checks")
  .option("--probe", "make one real one-token Converse call in the account (as the service's role)")
  .option("--json", "print the report as JSON")
  .action(
    action(async (config, opts: DoctorCliOptions) => {
      process.exitCode = await doctorCli(config, opts);
    }),
  );

/** A repeatable option; each value may also be a comma-separated list. */
const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
];
const audit = program
  .command("audit")
  .description(
    "Audit: Bedrock invocations from CloudTrail (ingest) and the service's own tamper-evident log (verify); operator access, audited as cli:<user>",
  );
audit
  .command("ingest")
  .description(
    "Ingest invocations from LookupEvents or the organization trail in S3, per account-Region from its checkpoint; prints the ingestion id. Exit codes with --wait: 0 succeeded, 1 failed",
  )
  .option("--source <lookup|s3>", "LookupEvents per account-Region, or the organization trail's files in S3", "lookup")
  .option("--account <id>", "only this account (repeat or comma-separate)", collect)
  .option("--region <region>", "only this Region (repeat or comma-separate)", collect)
  .option("--bucket <name>", "s3: the organization trail bucket (default AUDIT_TRAIL_BUCKET)")
  .option("--bucket-account <id>", "s3: the account that owns the bucket (default AUDIT_TRAIL_BUCKET_ACCOUNT)")
  .option("--org-id <id>", "s3: the organization id in the key prefix (default: DescribeOrganization)")
  .option("--wait", "run the jobs in this process and wait for the result")
  .action(
    action(async (config, opts) => {
      const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
      try {
        process.exitCode = await runAuditIngest(config, log, opts);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`bedrock-governor audit ingest: ${err.message}\n`);
        process.exit(2);
      }
    }),
  );

program
  .command("report")
  .description("Render a compliance report for a period and scope (jobs run in this process) to a file or stdout")
  .requiredOption("--from <iso-date>", "period start (inclusive)")
  .requiredOption("--to <iso-date>", "period end (exclusive)")
  .option("--scope <scope>", "organization, an OU id (ou-…, r-…) or an account id", "organization")
  .option("--format <format>", "json, csv, html or pdf", "pdf")
  .option("-o, --output <file>", "write here (default: stdout)")
  .option("--include-events", "json/csv: list every invocation of the period")
  .action(
    action(async (config, opts) => {
      const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
      try {
        process.exitCode = await runReport(config, log, opts);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`bedrock-governor report: ${err.message}\n`);
        process.exit(2);
      }
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

const request = program
  .command("request")
  .description("Model-access requests through the API (GOVERNOR_URL, GOVERNOR_API_KEY)");
const apiAction =
  (fn: (config: Readonly<Config>, out: (text: string) => void) => Promise<number>) =>
  async (config: Readonly<Config>) => {
    process.exitCode = await fn(config, (text) => process.stdout.write(text));
  };
request
  .command("create")
  .description("File a request for a model or inference profile in accounts and Regions")
  .requiredOption("--account <id>", "account id (repeat or comma-separate)", collect)
  .requiredOption("--region <region>", "Region (repeat or comma-separate)", collect)
  .requiredOption("--model <id>", "model id or inference profile id")
  .requiredOption("--purpose <text>", "what it is for")
  .addOption(
    new Option("--classification <level>", "data classification")
      .choices(["public", "internal", "confidential", "restricted"])
      .makeOptionMandatory(),
  )
  .requiredOption("--duration-hours <n>", "how long access lasts once active", positiveInt)
  .option("--idempotency-key <key>", "repeat-safe: the same key returns the first result")
  .option("--json", "print the API's answer")
  .action((opts: CreateOptions & { json?: boolean }) =>
    action(
      apiAction((config, out) =>
        requestCommand(config, "create", { create: opts, ...(opts.json ? { json: true } : {}) }, out),
      ),
    )(),
  );
request
  .command("list")
  .description("Requests you may see (your own; those you may decide; all for admins and auditors)")
  .option("--status <status>", "only this status")
  .option("--mine", "only your own")
  .option("--json", "print the API's answer")
  .action((opts: { status?: string; mine?: boolean; json?: boolean }) =>
    action(apiAction((config, out) => requestCommand(config, "list", opts, out)))(),
  );
request
  .command("show <id>")
  .description("One request with its decisions, grants and plans (JSON)")
  .action((id: string) => action(apiAction((config, out) => requestCommand(config, "show", { id }, out)))());
for (const verb of ["approve", "reject", "cancel"] as const) {
  request
    .command(`${verb} <id>`)
    .description(
      verb === "cancel"
        ? "Withdraw your own pending request"
        : `${verb === "approve" ? "Approve" : "Reject"} a pending request (decides on the version just read)`,
    )
    [verb === "reject" ? "requiredOption" : "option"]("--comment <text>", "why")
    .option("--json", "print the API's answer")
    .action((id: string, opts: { comment?: string; json?: boolean }) =>
      action(apiAction((config, out) => requestCommand(config, verb, { id, ...opts }, out)))(),
    );
}
audit
  .command("verify")
  .description("Recompute the tamper-evident hash chain; print the first broken link (exit 3 when broken)")
  .option("--json", "print the verification as JSON")
  .action(
    action(async (config, opts: { json?: boolean }) => {
      const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel, process.stderr);
      process.exitCode = await auditVerifyCommand(config, log, opts);
    }),
  );

await program.parseAsync(process.argv);
