// `bedrock-governor policies -o DIR`: the policies the catalog compiles to, through the API
// (GOVERNOR_URL, GOVERNOR_API_KEY; any role), written one JSON file per policy: the SCPs for each
// target (default: the organization root) and, with --account and --region, the developer role's
// IAM policy as the customer managed policies to attach. Nothing is applied.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { runApiCommand } from "./api-command.js";
import { collect } from "./options.js";
import { UsageError } from "./run-command.js";

interface CompiledScps {
  target: { kind: string; id: string };
  policies: Array<{ name: string; description: string; content: string; statementCount: number }>;
}

interface CompiledIam {
  document: Record<string, unknown>;
  managedPolicies: Record<string, unknown>[];
  warnings: string[];
}

interface PoliciesOptions {
  out: string;
  target?: string[];
  account?: string;
  region?: string;
  json?: boolean;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "-");

export function registerPolicyCommand(program: Command): void {
  program
    .command("policies")
    .description("Write the compiled SCPs (and a developer role's IAM policy) to a folder, one JSON file per policy")
    .requiredOption("-o, --out <dir>", "the folder to write to (created when missing)")
    .option("--target <id>", "root, OU or account to compile SCPs for (repeat; default: the root)", collect)
    .option("--account <id>", "with --region: also the IAM policy for a developer role in this account")
    .option("--region <region>", "with --account: the Region of that IAM policy")
    .option("--json", "print the API's answers and the files written")
    .action(
      runApiCommand(
        (o: PoliciesOptions) => o.json,
        async ({ call, print }, o) => {
          if (Boolean(o.account) !== Boolean(o.region)) throw new UsageError("--account and --region go together");
          let targets = o.target ?? [];
          if (targets.length === 0) {
            const units = await call<{ items: Array<{ id: string; parentId: string | null }> }>(
              "GET",
              "/v1/org/units?limit=200",
            );
            const root = units.body.items.find((u) => u.parentId === null);
            if (!root) throw new Error("the inventory has no organization root yet (run a sync first)");
            targets = [root.id];
          }
          await mkdir(o.out, { recursive: true });
          const files: Array<{ file: string; policy: string }> = [];
          const write = async (name: string, policy: string, json: unknown) => {
            const file = path.join(o.out, `${safe(name)}.json`);
            await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
            files.push({ file, policy });
          };
          const scps: CompiledScps[] = [];
          for (const t of targets) {
            const res = await call<CompiledScps>("GET", `/v1/policies/scps?${new URLSearchParams({ targetId: t })}`);
            scps.push(res.body);
            for (const p of res.body.policies)
              await write(
                `scp-${res.body.target.id}-${p.name}`,
                `SCP ${p.name} for ${res.body.target.kind} ${res.body.target.id}`,
                JSON.parse(p.content),
              );
          }
          let iam: CompiledIam | null = null;
          if (o.account && o.region) {
            const q = new URLSearchParams({ accountId: o.account, region: o.region });
            iam = (await call<CompiledIam>("GET", `/v1/policies/iam?${q}`)).body;
            const parts = iam.managedPolicies;
            for (const [i, doc] of parts.entries())
              await write(
                `iam-${o.account}-${o.region}${parts.length > 1 ? `-${i + 1}` : ""}`,
                `IAM managed policy${parts.length > 1 ? ` ${i + 1}/${parts.length}` : ""} for a developer role in ${o.account} ${o.region}`,
                doc,
              );
          }
          print({ scps, iam, files }, () =>
            [
              ...(files.length ? files.map((f) => `wrote ${f.file}  ${f.policy}`) : ["no policies to write"]),
              ...(iam?.warnings ?? []).map((w) => `warning: ${w}`),
            ].join("\n"),
          );
          return 0;
        },
      ),
    );
}
