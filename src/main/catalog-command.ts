// `bedrock-governor catalog diff|apply|export`: the catalog as a YAML file kept in git.
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { CatalogDiff } from "../modules/catalog/catalog.service.js";
import { parseCatalogDocument, renderCatalogDocument } from "../modules/catalog/catalog-document.js";
import { operator } from "./operator.js";
import { startRuntime } from "./runtime.js";

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

export async function catalogCommand(
  config: Readonly<Config>,
  log: Logger,
  action: "diff" | "apply" | "export",
  opts: { file?: string; reason?: string; at?: Date },
): Promise<number> {
  const runtime = await startRuntime(config, log, { migrate: true });
  try {
    const ctx = operator();
    if (action === "export") {
      const entries = (await runtime.services.catalog.list(ctx, opts.at)).map((v) => v.entry);
      process.stdout.write(renderCatalogDocument(entries));
      return 0;
    }
    if (!opts.file) throw new Error("-f/--file <catalog.yaml> is required");
    const desired = parseCatalogDocument(await readFile(opts.file, "utf8"));
    if (action === "diff") {
      const d = await runtime.services.catalog.diff(ctx, desired);
      process.stdout.write(renderDiff(d));
      return d.create.length + d.update.length + d.delete.length > 0 ? 2 : 0;
    }
    const applied = await runtime.services.catalog.apply(ctx, desired, opts.reason);
    process.stdout.write(renderDiff(applied));
    process.stdout.write(applied.changeSetId ? `applied as change set ${applied.changeSetId}\n` : "nothing to apply\n");
    return 0;
  } finally {
    await runtime.close();
  }
}
