// Writes the IAM action lists of src/aws/call-table.ts into the templates under deploy/, between
// `# BEGIN GENERATED actions <scope> <level> <resource>` and `# END GENERATED` marker lines.
// `npm run deploy:generate` rewrites them; `--check` exits 1 when a template is out of date.
// test/aws/call-table.test.ts runs the same rendering and fails on any difference.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { actionsFor, type PermissionLevel, type ResourceScope, type TemplateScope } from "../src/aws/call-table.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEPLOY_DIR = join(ROOT, "deploy");

const BEGIN =
  /^(\s*)# BEGIN GENERATED actions (hub|member|management) (read|remediation) (any|member-role|trail-bucket)\s*$/;
const END = /^\s*# END GENERATED\s*$/;

export interface Marker {
  scope: TemplateScope;
  level: PermissionLevel;
  resource: ResourceScope;
}

/** The template files under deploy/ that carry markers (CloudFormation YAML, Terraform HCL). */
export function templateFiles(dir = DEPLOY_DIR): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|tf)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The markers of a template, in order. */
export function markersOf(text: string): Marker[] {
  return text.split("\n").flatMap((line) => {
    const m = BEGIN.exec(line);
    return m ? [{ scope: m[2] as TemplateScope, level: m[3] as PermissionLevel, resource: m[4] as ResourceScope }] : [];
  });
}

/** The template with every marked block rewritten from the call table. */
export function render(text: string, format: "yaml" | "hcl"): string {
  const out: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    out.push(line);
    const m = BEGIN.exec(line);
    if (!m) continue;
    const indent = m[1] as string;
    const actions = actionsFor(m[2] as TemplateScope, m[3] as PermissionLevel, m[4] as ResourceScope);
    if (actions.length === 0) throw new Error(`no actions in the call table for marker "${line.trim()}"`);
    for (const a of actions) out.push(format === "yaml" ? `${indent}- ${a}` : `${indent}"${a}",`);
    let j = i + 1;
    while (j < lines.length && !END.test(lines[j] as string)) j++;
    if (j >= lines.length) throw new Error(`"${line.trim()}" has no END GENERATED line`);
    i = j - 1;
  }
  return out.join("\n");
}

export const formatOf = (file: string): "yaml" | "hcl" => (file.endsWith(".tf") ? "hcl" : "yaml");

function main(): void {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const file of templateFiles()) {
    const text = readFileSync(file, "utf8");
    const next = render(text, formatOf(file));
    if (next === text) continue;
    stale++;
    if (check) console.error(`out of date: ${relative(ROOT, file)}`);
    else {
      writeFileSync(file, next);
      console.log(`wrote ${relative(ROOT, file)}`);
    }
  }
  if (check && stale > 0) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
