// `bedrock-governor sandbox`: the AWS sandbox on its own, for a simulated organization, until
// SIGTERM/SIGINT. Prints what a client needs to talk to it (stdout); its log goes to stderr.
import { type Command, InvalidArgumentError } from "commander";
import { onShutdownSignal } from "../main/shutdown.js";
import { positiveInt } from "./options.js";
import { type CommandContext, runCommand } from "./run-command.js";

interface SandboxOptions {
  scenario?: string;
  generate?: boolean;
  accounts: number;
  regions: number;
  models: number;
  seed: number;
  port: number;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return n;
}

export function registerSandboxCommand(program: Command): void {
  program
    .command("sandbox")
    .description("Run the AWS sandbox (Organizations, STS, IAM, Bedrock, CloudTrail, S3) for a simulated organization")
    .option("--scenario <file>", "scenario file (YAML or JSON); default: the built-in demo organization")
    .option("--generate", "generate a large organization instead of a scenario file")
    .option("--accounts <n>", "with --generate: accounts", positiveInt, 1000)
    .option("--regions <n>", "with --generate: Regions", positiveInt, 4)
    .option("--models <n>", "with --generate: models", positiveInt, 100)
    .option("--seed <n>", "with --generate: random seed", positiveInt, 1)
    .option("--port <n>", "port (0: any free port)", port, 4566)
    .action(runCommand((ctx, opts: SandboxOptions) => sandbox(ctx, opts)));
}

async function sandbox({ config, log }: CommandContext, opts: SandboxOptions): Promise<void> {
  // Imported when the command runs: the emulator is no part of any other command.
  const { demoScenario, generateScenario, loadScenarioFile, startSandbox } = await import("../sandbox/index.js");
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
}
