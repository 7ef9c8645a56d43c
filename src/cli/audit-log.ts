// `bedrock-governor audit verify`: the service's own tamper-evident audit log (audit_events),
// its hash chain recomputed from the database.
import type { Command } from "commander";
import { SYSTEM_PRINCIPAL } from "../kernel/principal.js";
import type { AuditVerification } from "../modules/audit/audit.types.js";
import { type CommandContext, runCommand } from "./run-command.js";

/** Registers `audit` and `audit verify`; returns the `audit` command. */
export function registerAuditLogCommands(program: Command): Command {
  const audit = program
    .command("audit")
    .description("The service's own tamper-evident audit log (every change, hash-chained); operator access");
  audit
    .command("verify")
    .description("Recompute the tamper-evident hash chain; print the first broken link (exit 3 when broken)")
    .option("--json", "print the verification as JSON")
    .action(runCommand((ctx, opts: { json?: boolean }) => verify(ctx, opts)));
  return audit;
}

export function renderVerification(v: AuditVerification): string {
  if (v.ok) return `audit chain intact: ${v.checked} events, head ${v.head.id} ${v.head.hash}\n`;
  const b = v.firstBroken;
  return `audit chain BROKEN at event ${b?.id} (${b?.reason}): ${b?.detail}\nchecked ${v.checked} events; head ${v.head.id} ${v.head.hash}\n`;
}

/** Exit code: 0 intact, 3 broken. `json` prints the verification document instead of text. */
async function verify({ runtime }: CommandContext, opts: { json?: boolean }): Promise<number> {
  const { services } = await runtime({ migrate: false });
  const v = await services.audit.verify({ principal: SYSTEM_PRINCIPAL });
  process.stdout.write(opts.json ? `${JSON.stringify(v, null, 2)}\n` : renderVerification(v));
  return v.ok ? 0 : 3;
}
