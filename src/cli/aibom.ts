// `bedrock-governor aibom [-o FILE] [--scope S]`: the AI bill of materials (CycloneDX 1.6 JSON) through
// the API (GOVERNOR_URL, GOVERNOR_API_KEY; viewer, auditor or admin), to a file or stdout.
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { download } from "./api-client.js";
import { parseScope } from "./reports.js";
import { runCommand } from "./run-command.js";

interface AibomOptions {
  output?: string;
  scope: string;
}

export function registerAibomCommand(program: Command): void {
  program
    .command("aibom")
    .description(
      "The AI bill of materials (approved catalog and live inventory) as CycloneDX 1.6 JSON, through the API",
    )
    .option("--scope <scope>", "organization, an OU id (ou-…, r-…) or an account id", "organization")
    .option("-o, --output <file>", "write here (default: stdout)")
    .action(
      runCommand(
        async ({ config }, o: AibomOptions) => {
          const scope = parseScope(o.scope);
          const q = new URLSearchParams(scope.kind === "organization" ? {} : { scope: scope.id });
          const { bytes } = await download(config, `/v1/aibom${q.size > 0 ? `?${q}` : ""}`);
          if (o.output) {
            await writeFile(o.output, bytes);
            process.stderr.write(`wrote ${bytes.length} bytes to ${o.output}\n`);
          } else
            await new Promise<void>((resolve, reject) =>
              process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())),
            );
          return 0;
        },
        { name: "aibom" },
      ),
    );
}
