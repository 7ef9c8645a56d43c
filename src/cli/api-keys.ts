// `bedrock-governor api-key create`: an API key made directly in the database (operator access,
// audited as the system); its secret is printed once.
import { type Command, InvalidArgumentError, Option } from "commander";
import { ROLES, type Role } from "../kernel/principal.js";
import { type CommandContext, runCommand } from "./run-command.js";

interface CreateKeyOptions {
  name: string;
  role: Role;
  expires?: Date;
}

function futureDate(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()) || d <= new Date()) throw new InvalidArgumentError("expected a future ISO 8601 date");
  return d;
}

export function registerApiKeyCommands(program: Command): void {
  const apiKey = program.command("api-key").description("Manage API keys directly in the database (operator access)");
  apiKey
    .command("create")
    .description("Create an API key and print its secret once (audited as the system)")
    .requiredOption("--name <name>", "what the key is for")
    .addOption(new Option("--role <role>", "role of the key").choices(ROLES).default("viewer"))
    .option("--expires <iso-date>", "expiry (ISO 8601)", futureDate)
    .action(runCommand((ctx, opts: CreateKeyOptions) => create(ctx, opts)));
}

async function create({ runtime }: CommandContext, opts: CreateKeyOptions): Promise<void> {
  const { services } = await runtime();
  const created = await services.apiKeys.createAsSystem({
    name: opts.name,
    role: opts.role,
    ...(opts.expires ? { expiresAt: opts.expires } : {}),
  });
  process.stdout.write(`${JSON.stringify({ ...created.apiKey, secret: created.secret }, null, 2)}\n`);
}
