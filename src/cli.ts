#!/usr/bin/env node
// The one CLI: bedrock-governor <command>. Configuration comes from the environment (see README).
// Each command group lives in src/cli/ and runs through runCommand() (src/cli/run-command.ts).
import { Command } from "commander";
import { registerApiKeyCommands } from "./cli/api-keys.js";
import { registerAuditLogCommands } from "./cli/audit-log.js";
import { registerCatalogCommands } from "./cli/catalog.js";
import { registerDoctorCommand } from "./cli/doctor.js";
import { addIngestCommand, registerInvocationsCommands } from "./cli/invocations.js";
import { registerProcessCommands } from "./cli/processes.js";
import { registerRemediationCommands } from "./cli/remediation.js";
import { registerReportCommand } from "./cli/reports.js";
import { registerRequestCommands } from "./cli/requests.js";
import { registerSandboxCommand } from "./cli/sandbox.js";
import { registerSyncCommand } from "./cli/sync.js";
import { packageVersion } from "./lib/package-root.js";

const program = new Command()
  .name("bedrock-governor")
  .description("Governs Amazon Bedrock model access across an AWS Organization.")
  .version(packageVersion())
  .showHelpAfterError();

registerProcessCommands(program); // serve (default), worker, migrate, healthcheck
registerSandboxCommand(program);
registerSyncCommand(program);
registerRemediationCommands(program); // plan, apply, reconcile
registerCatalogCommands(program);
registerDoctorCommand(program);
registerInvocationsCommands(program); // invocations ingest
registerReportCommand(program);
const audit = registerAuditLogCommands(program); // audit verify
// `audit ingest`: the former spelling of `invocations ingest`, kept working (hidden from help).
addIngestCommand(audit, "audit ingest", { hidden: true });
registerApiKeyCommands(program);
registerRequestCommands(program);

await program.parseAsync(process.argv);
