// Remediation changes as a person reads them: one sentence per audited apply or change (the
// change summaries of modules/remediation changeSummary), the JSON kept for the appendix.
import type { Cell } from "./reports.types.js";

type Rec = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
/** Who holds a License Manager grant: an account, or an OU (every account in it). */
const holder = (a: Record<string, unknown>) => {
  const ou = str((a.scope as Record<string, unknown> | undefined)?.id);
  return ou ? `OU ${ou}` : `account ${str(a.accountId)}`;
};
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function targetText(t: unknown): string {
  if (typeof t !== "object" || t === null) return "its target";
  const { kind, id } = t as Rec;
  const label = kind === "ou" ? "OU" : kind === "root" ? "the root" : kind === "account" ? "account" : String(kind);
  return `${label} ${String(id)}`;
}

const statements = (a: Rec) => {
  const n = num(a.statements);
  return n === undefined ? "" : ` (${n} statement${n === 1 ? "" : "s"})`;
};

function changeText(a: Rec): string {
  const name = str(a.name) ?? str(a.policyId) ?? "a policy";
  const id = str(a.policyId) && str(a.name) ? ` (${str(a.policyId)})` : "";
  switch (a.kind) {
    case "scp_create":
      return `Created SCP ${name}${statements(a)} for ${targetText(a.target)}`;
    case "scp_update":
      return `Updated SCP ${name}${id}${statements(a)}, attached to ${targetText(a.target)}`;
    case "scp_attach":
      return `Attached SCP ${name}${id} to ${targetText(a.target)}`;
    case "scp_detach":
      return `Detached SCP ${name}${id} from ${targetText(a.target)}`;
    case "scp_delete":
      return `Deleted SCP ${name}${id}`;
    case "agreement_create":
      return `Accepted the AWS Marketplace offer${str(a.offerId) ? ` ${str(a.offerId)}` : ""} for ${str(a.modelId)} in account ${str(a.accountId)} (${str(a.region)})`;
    case "use_case_put":
      return `Submitted the Anthropic use-case form for account ${str(a.accountId)}${Array.isArray(a.models) && a.models.length > 0 ? ` (for ${a.models.join(", ")})` : ""}`;
    case "retention_put":
      return `Set the data retention of account ${str(a.accountId)} (${str(a.region)}) from ${str(a.before) ?? "unknown"} to ${str(a.mode)}`;
    case "license_grant_create":
      return `Granted the license for ${str(a.modelId)} to ${holder(a)} (grant ${str(a.grantName) ?? ""})`.replace(
        " (grant )",
        "",
      );
    case "license_grant_activate":
      return `Activated license grant ${str(a.grantArn)} for ${str(a.modelId)} in ${holder(a)}`;
    case "license_grant_delete":
      return `Deleted license grant ${str(a.grantName) ?? str(a.grantArn)} of ${holder(a)}`;
    default:
      return `Change ${String(a.kind ?? "of unknown kind")}`;
  }
}

/** One sentence for an audited remediation action (`remediation.apply` or `remediation.change`). */
export function describeRemediation(action: string, planId: string | null, after: unknown): string {
  const a = (typeof after === "object" && after !== null ? after : {}) as Rec;
  const plan = planId ? `plan ${planId}` : "a plan";
  if (action === "remediation.change") {
    const text = changeText(a);
    const index = num(a.index);
    const where = index === undefined ? "" : ` (change ${index + 1} of ${plan})`;
    const recovered = a.recovered === true ? ", completed by the recovery of an interrupted apply" : "";
    if (a.status === "failed") return `Failed: ${text}${where}${str(a.error) ? `: ${str(a.error)}` : ""}.`;
    if (a.status === "skipped") return `Skipped: ${text}${where}.`;
    if (a.status === "rolled_back") return `Rolled back: ${text}${where}${recovered}.`;
    return `${text}${where}${recovered}.`;
  }
  if (a.status === "applying") {
    const forced = typeof a.forced === "object" && a.forced !== null ? (a.forced as Rec) : undefined;
    const breakages = Array.isArray(forced?.breakages) ? forced.breakages.length : 0;
    return `Started applying ${plan} (${num(a.changes) ?? "?"} change(s))${forced ? `, forced past ${breakages} blocked approved path(s): ${str(forced.reason) ?? "no reason given"}` : ""}.`;
  }
  if (a.status === "applied" || a.status === "failed" || a.status === "rolled_back")
    return `Finished ${plan}: ${a.status}, ${num(a.applied) ?? 0} change(s) applied, ${num(a.failed) ?? 0} failed, ${num(a.skipped) ?? 0} skipped.`;
  return `${action} on ${plan}${str(a.status) ? `: ${str(a.status)}` : ""}.`;
}

/** Rows of the remediation query (occurred_at, action, actor, actor_id, plan, account, after JSON) as sentences. */
export async function* describedRemediations(rows: AsyncIterable<Cell[]>): AsyncGenerator<Cell[]> {
  for await (const [at, action, actor, actorId, plan, account, after] of rows) {
    let parsed: unknown = null;
    try {
      parsed = typeof after === "string" ? JSON.parse(after) : after;
    } catch {
      parsed = null;
    }
    yield [
      at ?? null,
      action ?? null,
      actor ?? null,
      actorId ?? null,
      plan ?? null,
      account ?? null,
      describeRemediation(String(action), plan === null || plan === undefined ? null : String(plan), parsed),
    ];
  }
}

/** The same rows for the appendix: when, which plan, the change as recorded (JSON). */
export async function* remediationJson(rows: AsyncIterable<Cell[]>): AsyncGenerator<Cell[]> {
  for await (const [at, action, , actorId, plan, , after] of rows)
    yield [at ?? null, action ?? null, plan ?? null, actorId ?? null, after ?? null];
}
