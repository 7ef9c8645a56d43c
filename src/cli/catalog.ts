// `bedrock-governor catalog diff|apply|export|init|schema`: the catalog as a YAML file kept in git.
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { CatalogDiff } from "../modules/catalog/catalog.service.js";
import { parseCatalogDocument, renderCatalogDocument } from "../modules/catalog/catalog-document.js";
import { renderCatalogJsonSchema } from "../modules/catalog/catalog-schema.js";
import { STARTER_CATALOG } from "../modules/catalog/catalog-starter.js";
import { operator } from "./operator.js";
import { isoDate } from "./options.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

type CatalogAction = "diff" | "apply" | "export";
interface CatalogOptions {
  file?: string;
  reason?: string;
  at?: Date;
}
interface OutputOptions {
  output?: string;
  force?: boolean;
}

export function registerCatalogCommands(program: Command): void {
  const run = (action: CatalogAction) => runCommand((ctx, opts: CatalogOptions) => catalogCommand(ctx, action, opts));
  const catalog = program
    .command("catalog")
    .description("The approved-models catalog as a YAML file kept in git (operator access; audited as cli:<user>)");
  catalog
    .command("diff")
    .description("Show what applying the file would change (exit 2 when there are changes)")
    .requiredOption("-f, --file <catalog.yaml>", "catalog document")
    .action(run("diff"));
  catalog
    .command("apply")
    .description("Make the catalog equal to the file, as one audited change set")
    .requiredOption("-f, --file <catalog.yaml>", "catalog document")
    .requiredOption("--reason <text>", "why (kept with every version)")
    .action(run("apply"));
  catalog
    .command("export")
    .description("Print the catalog (now, or in force at --at) as YAML")
    .option("--at <iso-date>", "the catalog in force at this time", isoDate)
    .action(run("export"));
  catalog
    .command("init")
    .description("Print (or write to -o FILE) a commented starter catalog showing every field")
    .option("-o, --output <catalog.yaml>", "write it to this file instead of stdout")
    .option("--force", "overwrite the file when it exists")
    .action(runCommand((_ctx, opts: OutputOptions) => writeOutput(STARTER_CATALOG, opts)));
  catalog
    .command("schema")
    .description("Print (or write to -o FILE) the JSON Schema of the catalog document, for editors and CI")
    .option("-o, --output <catalog.schema.json>", "write it to this file instead of stdout")
    .option("--force", "overwrite the file when it exists")
    .action(runCommand((_ctx, opts: OutputOptions) => writeOutput(renderCatalogJsonSchema(), opts)));
}

async function writeOutput(text: string, opts: OutputOptions): Promise<number> {
  if (!opts.output) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(opts.output, text, { flag: opts.force ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new UsageError(`${opts.output} exists; --force overwrites it`);
    throw err;
  }
  process.stderr.write(`wrote ${opts.output}\n`);
  return 0;
}

export function renderDiff(d: CatalogDiff): string {
  const lines: string[] = [];
  for (const e of d.create)
    lines.push(`+ ${e.id}  ${e.model}  (${e.scope.kind}${"id" in e.scope ? ` ${e.scope.id}` : ""})`);
  for (const u of d.update) {
    lines.push(`~ ${u.id}`);
    for (const f of u.fields) {
      const before = JSON.stringify((u.before as unknown as Record<string, unknown>)[f] ?? null);
      const after = JSON.stringify((u.after as unknown as Record<string, unknown>)[f] ?? null);
      lines.push(`    ${f}: ${before} → ${after}`);
    }
  }
  for (const e of d.delete) lines.push(`- ${e.id}  ${e.model}`);
  lines.push(
    `${d.create.length} to create, ${d.update.length} to update, ${d.delete.length} to delete, ${d.unchanged} unchanged`,
  );
  return `${lines.join("\n")}\n`;
}

async function catalogCommand(
  { runtime }: CommandContext,
  action: CatalogAction,
  opts: CatalogOptions,
): Promise<number> {
  const { services } = await runtime();
  const ctx = operator();
  if (action === "export") {
    const entries = (await services.catalog.list(ctx, opts.at)).map((v) => v.entry);
    process.stdout.write(renderCatalogDocument(entries));
    if (entries.length === 0)
      process.stderr.write(
        `the catalog${opts.at ? " in force then" : ""} is empty; \`bedrock-governor catalog init\` prints a starter to edit\n`,
      );
    return 0;
  }
  if (!opts.file) throw new Error("-f/--file <catalog.yaml> is required");
  const desired = parseCatalogDocument(await readFile(opts.file, "utf8"), opts.file);
  if (action === "diff") {
    const d = await services.catalog.diff(ctx, desired);
    process.stdout.write(renderDiff(d));
    return d.create.length + d.update.length + d.delete.length > 0 ? 2 : 0;
  }
  const applied = await services.catalog.apply(ctx, desired, opts.reason);
  process.stdout.write(renderDiff(applied));
  process.stdout.write(applied.changeSetId ? `applied as change set ${applied.changeSetId}\n` : "nothing to apply\n");
  return 0;
}
