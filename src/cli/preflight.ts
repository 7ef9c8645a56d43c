// `bedrock-governor preflight`: the preflight checklist at a terminal (or JSON).
import type { Command } from "commander";
import type { PermissionLevel } from "../aws/call-table.js";
import type { PreflightReport, PreflightStatus } from "../modules/system/preflight.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

export function registerPreflightCommand(program: Command): void {
  program
    .command("preflight")
    .description(
      "Checks the configured organization: base credentials, hub role, the member role and each permission it needs in every account (or --sample N), delegated-admin status and the organization trail; prints a checklist with the fix of each miss. Exit codes: 0 nothing fails, 3 a check fails, 2 bad flags",
    )
    .option("--sample <n>", "check the member role in n accounts spread over the organization")
    .option("--level <level>", "permission level to check: read (default) or remediation")
    .option("--json", "print the report as JSON")
    .action(runCommand((ctx, opts: PreflightCliOptions) => preflightCli(ctx, opts), { name: "preflight" }));
}

export interface PreflightCliOptions {
  sample?: string;
  level?: string;
  json?: boolean;
}

const MARK: Record<PreflightStatus, string> = { pass: "✓", fail: "✗", warn: "!", skipped: "-" };

/** One line per check (✓/✗), the detail, and the fix under each miss. */
export function renderPreflight(r: PreflightReport): string {
  const out = [
    `Preflight (${r.level} level): member role checked in ${r.accounts.checked} of ${r.accounts.total} accounts`,
    "",
  ];
  for (const c of r.checks) {
    out.push(`${MARK[c.status]} ${c.id.padEnd(22)}${c.subject}`);
    out.push(`      ${c.detail}`);
    if (c.fix && c.status !== "pass") out.push(`      fix: ${c.fix}`);
  }
  const s = r.summary;
  out.push("");
  out.push(`${s.ok ? "OK" : "FAILED"}: ${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.skipped} skipped`);
  return `${out.join("\n")}\n`;
}

async function preflightCli({ runtime }: CommandContext, opts: PreflightCliOptions): Promise<number> {
  let sample: number | undefined;
  if (opts.sample !== undefined) {
    if (!/^[1-9]\d*$/.test(opts.sample)) throw new UsageError("--sample must be a positive integer");
    sample = Number(opts.sample);
  }
  if (opts.level !== undefined && opts.level !== "read" && opts.level !== "remediation")
    throw new UsageError("--level must be read or remediation");
  const { services } = await runtime();
  const report = await services.preflight.run({
    ...(sample !== undefined ? { sample } : {}),
    ...(opts.level ? { level: opts.level as PermissionLevel } : {}),
  });
  process.stdout.write(
    opts.json
      ? `${JSON.stringify({ ...report, checkedAt: report.checkedAt.toISOString() }, null, 2)}\n`
      : renderPreflight(report),
  );
  return report.summary.ok ? 0 : 3;
}
