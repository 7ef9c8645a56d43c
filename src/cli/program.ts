// The CLI's commands: each command group lives in src/cli/ and runs through runCommand()
// (src/cli/run-command.ts); this file only assembles them.
import { Command } from "commander";
import { packageVersion } from "../lib/package-root.js";
import { registerAibomCommand } from "./aibom.js";
import { registerApiKeyCommands } from "./api-keys.js";
import { registerAuditLogCommands } from "./audit-log.js";
import { registerCatalogCommands } from "./catalog.js";
import { registerDoctorCommand } from "./doctor.js";
import { registerFindingCommands } from "./findings.js";
import { registerInventoryCommands } from "./inventory.js";
import { addIngestCommand, registerInvocationsCommands } from "./invocations.js";
import { registerPolicyCommand } from "./policies.js";
import { registerPreflightCommand } from "./preflight.js";
import { registerProcessCommands } from "./processes.js";
import { registerRemediationCommands } from "./remediation.js";
import { registerReportScheduleCommands } from "./report-schedules.js";
import { registerReportVerifyCommand } from "./report-verify.js";
import { registerReportCommand } from "./reports.js";
import { registerRequestCommands } from "./requests.js";
import { registerSandboxCommand } from "./sandbox.js";
import { registerSyncCommand } from "./sync.js";

/** The commander program of every command (the stdout test enumerates its commands from here). */
export function buildProgram(): Command {
  const program = new Command()
    .name("bedrock-governor")
    .description("Governs Amazon Bedrock model access across an AWS Organization.")
    .version(packageVersion())
    .showHelpAfterError()
    // A command's options are read before its subcommand only, so `report verify --remote` is the
    // subcommand's --remote, not `report`'s (the root itself has only --version and --help).
    .enablePositionalOptions();

  registerProcessCommands(program); // serve (default), worker, migrate, healthcheck
  registerSandboxCommand(program);
  registerSyncCommand(program);
  registerRemediationCommands(program); // plan, plan list, plan show, apply, reconcile
  registerInventoryCommands(program); // accounts, matrix (API)
  registerFindingCommands(program); // findings list, findings suppress (API)
  registerPolicyCommand(program); // policies -o DIR (API)
  registerCatalogCommands(program);
  registerDoctorCommand(program);
  registerPreflightCommand(program);
  registerInvocationsCommands(program); // invocations ingest
  // `report`'s own options (--remote, --format) are read before a subcommand only: `report verify`
  // and `report schedule` have options of the same names.
  const report = registerReportCommand(program).enablePositionalOptions();
  registerReportVerifyCommand(report);
  registerReportScheduleCommands(report); // schedule list, create, delete (API)
  registerAibomCommand(program); // aibom (API)
  const audit = registerAuditLogCommands(program); // audit verify
  // `audit ingest`: the former spelling of `invocations ingest`, kept working (hidden from help).
  addIngestCommand(audit, "audit ingest", { hidden: true });
  registerApiKeyCommands(program);
  registerRequestCommands(program);

  return program;
}
