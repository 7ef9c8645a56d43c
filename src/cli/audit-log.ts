// `bedrock-governor audit verify|head`: the service's own tamper-evident audit log (audit_events),
// its hash chain recomputed by the service from the entries, and its head exported (signed) to
// anchor elsewhere.
import type { Command } from "commander";
import { SYSTEM_PRINCIPAL } from "../kernel/principal.js";
import type { AuditVerification } from "../modules/audit/audit.types.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

/** Registers `audit` and `audit verify`; returns the `audit` command. */
export function registerAuditLogCommands(program: Command): Command {
  const audit = program
    .command("audit")
    .description("The service's own tamper-evident audit log (every change, hash-chained); operator access");
  audit
    .command("verify")
    .description("Recompute the tamper-evident hash chain; print the first broken link (exit 3 when broken)")
    .option("--json", "print the verification as JSON")
    .option("--anchor <id:hash>", "also check that an exported head (id:hash) is still in the chain")
    .action(runCommand((ctx, opts: { json?: boolean; anchor?: string }) => verify(ctx, opts)));
  audit
    .command("head")
    .description("Print the chain head as JSON, signed with AUDIT_SIGNING_KEY_FILE when set, to anchor elsewhere")
    .action(runCommand((ctx) => head(ctx)));
  return audit;
}

export function renderVerification(v: AuditVerification): string {
  if (v.ok) return `audit chain intact: ${v.checked} events, head ${v.head.id} ${v.head.hash}\n`;
  const b = v.firstBroken;
  return `audit chain BROKEN at event ${b?.id} (${b?.reason}): ${b?.detail}\nchecked ${v.checked} events; head ${v.head.id} ${v.head.hash}\n`;
}

/** Exit code: 0 intact, 3 broken. `json` prints the verification document instead of text. */
async function verify({ runtime }: CommandContext, opts: { json?: boolean; anchor?: string }): Promise<number> {
  let anchor: { id: string; hash: string } | undefined;
  if (opts.anchor !== undefined) {
    const m = /^(\d{1,19}):([0-9a-f]{64})$/.exec(opts.anchor);
    if (!m) throw new UsageError("--anchor takes <id>:<hash> as `audit head` printed them");
    anchor = { id: m[1] as string, hash: m[2] as string };
  }
  const { services } = await runtime({ migrate: false });
  const v = await services.audit.verify({ principal: SYSTEM_PRINCIPAL }, anchor);
  process.stdout.write(opts.json ? `${JSON.stringify(v, null, 2)}\n` : renderVerification(v));
  return v.ok ? 0 : 3;
}

async function head({ runtime }: CommandContext): Promise<number> {
  const { services } = await runtime({ migrate: false });
  process.stdout.write(
    `${JSON.stringify(await services.audit.exportHead({ principal: SYSTEM_PRINCIPAL }), null, 2)}\n`,
  );
  return 0;
}
