// How `bedrock-governor request` shows a request to a person: one line (list, decisions), a
// multi-line summary (show: status, who must act, the pre-flight, plans, grants, timeline), and the
// line `watch` prints at each state change.

export interface RequestView {
  id: string;
  status: string;
  version: number;
  target: string;
  accountIds: string[];
  regions: string[];
  requesterName: string;
  purpose?: string;
  approvals: number;
  requiredApprovals: number;
  approverRole?: string | null;
  approverGroup?: string | null;
  createdAt?: string;
  pendingUntil?: string;
  decidedAt?: string | null;
  activatedAt?: string | null;
  activeUntil: string | null;
  endedAt?: string | null;
  failure: { fix: string; gates?: Array<{ accountId: string; region: string; gate: string; detail: string }> } | null;
  /** Absent from servers older than the field. */
  waiting?: {
    since: string;
    for: string;
    action: string;
    plans: Array<{ planId: string; accountId?: string; region?: string; changes?: number }>;
  } | null;
  preflight?: Array<{ accountId: string; region: string; status: string; sentence: string }> | null;
  plans?: Array<{
    accountId: string;
    region: string;
    planId: string;
    purpose: string;
    changes: number;
    applied: boolean;
  }>;
  decisions?: Array<{ approverName: string; decision: string; comment: string | null; createdAt: string }>;
  grants?: Array<{ accountId: string; region: string; status: string; expiresAt: string; endReason: string | null }>;
}

/** States a request never leaves, with the exit code `watch` ends with. */
export const TERMINAL_EXIT: Readonly<Record<string, number>> = {
  active: 0,
  ended: 0,
  failed: 1,
  rejected: 1,
  cancelled: 1,
  expired: 1,
  revoked: 1,
};

export const line = (r: RequestView) =>
  [
    r.id,
    r.status.padEnd(12),
    r.target,
    r.accountIds.join(","),
    r.regions.join(","),
    `by ${r.requesterName}`,
    r.status === "pending" ? `approvals ${r.approvals}/${r.requiredApprovals}` : "",
    r.activeUntil && r.status === "active" ? `until ${r.activeUntil}` : "",
    r.failure ? `fix: ${r.failure.fix}` : "",
    r.waiting
      ? `waiting since ${r.waiting.since} for an ${r.waiting.for} to ${r.waiting.action} ${r.waiting.plans.map((p) => p.planId).join(",")}`
      : "",
  ]
    .filter(Boolean)
    .join("  ");

/** Who must act next, in words (null: nobody, the request is settled or the system is working). */
export function whoMustAct(r: RequestView): string | null {
  if (r.status === "pending") {
    const by = r.approverGroup ? `group ${r.approverGroup}` : `role ${r.approverRole ?? "approver"}`;
    return `an approver (${by}): ${r.approvals}/${r.requiredApprovals} approvals${r.pendingUntil ? `, before ${r.pendingUntil}` : ""}`;
  }
  if (r.waiting)
    return `an ${r.waiting.for}: ${r.waiting.action} ${r.waiting.plans.map((p) => p.planId).join(", ")}, then \`request verify ${r.id}\``;
  if (r.status === "approved" || r.status === "provisioning") return "nobody: provisioning is under way";
  return null;
}

/** The multi-line summary of `request show`. */
export function summary(r: RequestView): string {
  const out: string[] = [
    `request ${r.id} (version ${r.version})`,
    `  status     ${r.status}`,
    `  model      ${r.target}`,
    `  accounts   ${r.accountIds.join(", ")}`,
    `  regions    ${r.regions.join(", ")}`,
    `  requester  ${r.requesterName}${r.purpose ? `: ${r.purpose}` : ""}`,
  ];
  const act = whoMustAct(r);
  if (act) out.push(`  must act   ${act}`);
  if (r.failure) {
    out.push(`  failed     ${r.failure.fix}`);
    for (const g of r.failure.gates ?? []) out.push(`    ${g.accountId} ${g.region} ${g.gate}: ${g.detail}`);
  }
  if (r.preflight?.length) {
    out.push("pre-flight (once approved)");
    for (const v of r.preflight) out.push(`  ${v.accountId} ${v.region}  ${v.status.padEnd(17)} ${v.sentence}`);
  }
  if (r.plans?.length) {
    out.push("plans");
    for (const p of r.plans)
      out.push(
        `  ${p.planId}  ${p.purpose.padEnd(8)} ${p.accountId} ${p.region}  ${p.changes} change(s)  ${p.applied ? "applied" : "not applied"}`,
      );
  }
  if (r.grants?.length) {
    out.push("grants");
    for (const g of r.grants)
      out.push(
        `  ${g.accountId} ${g.region}  ${g.status}  until ${g.expiresAt}${g.endReason ? `  (${g.endReason})` : ""}`,
      );
  }
  const timeline: Array<[string, string | null | undefined]> = [
    ["filed", r.createdAt],
    ...(r.decisions ?? []).map(
      (d) =>
        [`${d.decision} by ${d.approverName}${d.comment ? `: ${d.comment}` : ""}`, d.createdAt] as [string, string],
    ),
    ["decided", r.decidedAt],
    ["waiting since", r.waiting?.since],
    ["active", r.activatedAt],
    ["ended", r.endedAt],
  ];
  const happened = timeline.filter((e): e is [string, string] => typeof e[1] === "string");
  if (happened.length) {
    out.push("timeline");
    for (const [what, at] of happened.sort((a, b) => a[1].localeCompare(b[1]))) out.push(`  ${at}  ${what}`);
  }
  return out.join("\n");
}

/** What `watch` prints when the request's state changes: time, status, and what it waits for. */
export const watchLine = (r: RequestView, at: Date) =>
  [
    at.toISOString(),
    r.status,
    r.waiting ? `waiting for an ${r.waiting.for} to ${r.waiting.action}` : "",
    r.failure ? `fix: ${r.failure.fix}` : "",
    r.status === "active" && r.activeUntil ? `until ${r.activeUntil}` : "",
  ]
    .filter(Boolean)
    .join("  ");

/** The state `watch` compares: a change of status or of what the request waits for. */
export const watchState = (r: RequestView) => `${r.status}|${r.waiting ? r.waiting.since : ""}`;
