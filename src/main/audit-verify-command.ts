// `bedrock-governor audit verify`: recompute the audit log's hash chain from the database.
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { SYSTEM_PRINCIPAL } from "../kernel/principal.js";
import type { AuditVerification } from "../modules/audit/audit.types.js";
import { startRuntime } from "./runtime.js";

export function renderVerification(v: AuditVerification): string {
  if (v.ok) return `audit chain intact: ${v.checked} events, head ${v.head.id} ${v.head.hash}\n`;
  const b = v.firstBroken;
  return `audit chain BROKEN at event ${b?.id} (${b?.reason}): ${b?.detail}\nchecked ${v.checked} events; head ${v.head.id} ${v.head.hash}\n`;
}

/** Exit code: 0 intact, 3 broken. `json` prints the verification document instead of text. */
export async function auditVerifyCommand(config: Readonly<Config>, log: Logger, opts: { json?: boolean }) {
  const runtime = await startRuntime(config, log, { migrate: false });
  try {
    const v = await runtime.services.audit.verify({ principal: SYSTEM_PRINCIPAL });
    process.stdout.write(opts.json ? `${JSON.stringify(v, null, 2)}\n` : renderVerification(v));
    return v.ok ? 0 : 3;
  } finally {
    await runtime.close();
  }
}
