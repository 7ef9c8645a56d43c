// `bedrock-governor api-key create | list | revoke` (also spelled `api-keys`): API keys managed
// directly in the database (operator access): a key is created as the system and its secret
// printed once; listing shows no secret; a revocation is audited as cli:<user>.
import { type Command, InvalidArgumentError, Option } from "commander";
import { ROLES, type Role } from "../kernel/principal.js";
import { table } from "./api-client.js";
import { operator } from "./operator.js";
import { type CommandContext, runCommand } from "./run-command.js";

interface CreateKeyOptions {
  name: string;
  role: Role;
  expires?: Date;
  owner?: string;
  service?: boolean;
}

function futureDate(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()) || d <= new Date()) throw new InvalidArgumentError("expected a future ISO 8601 date");
  return d;
}

export function registerApiKeyCommands(program: Command): void {
  const apiKey = program
    .command("api-key")
    .alias("api-keys")
    .description("Manage API keys directly in the database (operator access)");
  apiKey
    .command("create")
    .description("Create an API key and print its secret once (audited as the system)")
    .requiredOption("--name <name>", "what the key is for")
    .addOption(new Option("--role <role>", "role of the key").choices(ROLES).default("viewer"))
    .option("--expires <iso-date>", "expiry (ISO 8601)", futureDate)
    .option("--owner <person>", "the person the key acts for (principal id or OIDC subject)")
    .option("--service", "a service key: acts for nobody and can never approve or reject")
    .action(runCommand((ctx, opts: CreateKeyOptions) => create(ctx, opts)));
  apiKey
    .command("list")
    .description("API keys, newest first: name, role, owner, status (secrets are never shown again)")
    .option("--json", "print the keys as JSON")
    .action(runCommand((ctx, opts: { json?: boolean }) => list(ctx, opts)));
  apiKey
    .command("revoke <id>")
    .description("Revoke an API key at once (kept for the record; audited as cli:<user>)")
    .option("--json", "print the revoked key as JSON")
    .action(runCommand((ctx, id: string, opts: { json?: boolean }) => revoke(ctx, id, opts)));
}

async function list({ runtime }: CommandContext, opts: { json?: boolean }): Promise<void> {
  const { services } = await runtime();
  const keys = [];
  let cursor: string | undefined;
  do {
    const page = await services.apiKeys.list(operator(), { limit: 200, ...(cursor ? { cursor } : {}) });
    keys.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (opts.json) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
  else if (keys.length === 0) process.stdout.write("no API keys\n");
  else
    process.stdout.write(
      `${table(
        ["ID", "NAME", "ROLE", "OWNER", "STATUS", "CREATED", "EXPIRES", "LAST USED"],
        keys.map((k) => [
          k.id,
          k.name,
          k.role,
          k.service ? "(service)" : (k.owner ?? "-"),
          k.status,
          k.createdAt,
          k.expiresAt ?? "never",
          k.lastUsedAt ?? "never",
        ]),
      )}\n`,
    );
}

async function revoke({ runtime }: CommandContext, id: string, opts: { json?: boolean }): Promise<void> {
  const { services } = await runtime();
  const key = await services.apiKeys.revoke(operator(), id);
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(key, null, 2)}\n`
      : `revoked ${key.id} ${key.name} (${key.role}) at ${key.revokedAt}\n`,
  );
}

async function create({ runtime }: CommandContext, opts: CreateKeyOptions): Promise<void> {
  const { services } = await runtime();
  const created = await services.apiKeys.createAsSystem({
    name: opts.name,
    role: opts.role,
    ...(opts.expires ? { expiresAt: opts.expires } : {}),
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
    ...(opts.service ? { service: true } : {}),
  });
  process.stdout.write(`${JSON.stringify({ ...created.apiKey, secret: created.secret }, null, 2)}\n`);
}
