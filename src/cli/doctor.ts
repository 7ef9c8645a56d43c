// `bedrock-governor doctor`: the access doctor at a terminal, as a gate-by-gate report (or JSON).
import type { Command } from "commander";
import { UnprocessableError } from "../kernel/errors.js";
import {
  type DoctorReport,
  type DoctorRequest,
  type ErrorDiagnosis,
  GATE_TITLES,
  type GateStatus,
} from "../modules/doctor/doctor.types.js";
import { classifyError } from "../modules/doctor/error-classifier.js";
import { operator } from "./operator.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description(
      "Why a principal can or cannot call a model in an account-Region: credentials, Region, model access, organization policy and IAM, gate by gate with evidence and fix. With only --error: classify the error without calling AWS. Exit codes: 0 no gate fails, 3 a gate fails, 2 unusable input",
    )
    .option("--account <id>", "AWS account id (12 digits)")
    .option("--region <region>", "Region the call is made from, e.g. us-east-1")
    .option("--model <id>", "model id, inference profile id, or either's ARN")
    .option("--principal <arn>", "IAM role/user (or assumed-role session) ARN making the call: simulates its policies")
    .option("--error <text>", "the error message as received: classified and compared with the live checks")
    .option("--probe", "make one real one-token Converse call in the account (as the service's role)")
    .option("--json", "print the report as JSON")
    .action(runCommand((ctx, opts: DoctorCliOptions) => doctorCli(ctx, opts), { name: "doctor" }));
}

const MARK: Record<GateStatus, string> = { pass: "✔", fail: "✘", unknown: "?" };
const WIDTH = 21;

function value(v: unknown, max = 160): string {
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l) => `${by}${l}`)
    .join("\n");
}

interface Denial {
  resource?: string;
  decision?: string;
  missingAllowAt?: string;
  statements?: {
    policyName: string;
    policyId: string;
    sid: string | null;
    statementIndex: number;
    statement: unknown;
  }[];
}

function renderEvidence(evidence: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(evidence)) {
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    if (key === "denials" && Array.isArray(v)) {
      // Each denying statement is quoted once, after the resources it denies.
      const quoted = new Map<string, string[]>();
      for (const d of v as Denial[]) {
        const by = (d.statements ?? []).map((s) => {
          const ref = `${s.policyName} (${s.policyId})${s.sid ? ` ${s.sid}` : ` #${s.statementIndex + 1}`}`;
          if (!quoted.has(ref)) quoted.set(ref, [JSON.stringify(s.statement, null, 2)]);
          return ref;
        });
        lines.push(
          `denied: ${d.resource ?? "?"} (${d.decision ?? "?"}${d.missingAllowAt ? `, no SCP at ${d.missingAllowAt} allows it` : ""}${
            by.length > 0 ? `, by ${by.join("; ")}` : ""
          })`,
        );
      }
      for (const [ref, [json]] of quoted) {
        lines.push(`statement ${ref}:`);
        lines.push(indent(json ?? "", "  "));
      }
      continue;
    }
    if (key === "bedrockPolicies" && Array.isArray(v)) {
      for (const b of v as { id: string; name: string; targetId: string; guardrails: Record<string, string[]> }[]) {
        const enforced = Object.entries(b.guardrails)
          .map(([region, ids]) => `${region}: ${ids.join(", ")}`)
          .join("; ");
        lines.push(`bedrock policy ${b.name} (${b.id}) on ${b.targetId}${enforced ? `, guardrails ${enforced}` : ""}`);
      }
      continue;
    }
    if (key === "scps" || key === "simulations") continue; // long; in --json
    lines.push(`${key}: ${value(v)}`);
  }
  return lines;
}

/** The report as a person reads it: one block per gate, then governance, the pasted error, the probe. */
export function renderReport(r: DoctorReport): string {
  const out: string[] = [];
  out.push(`Access doctor: account ${r.accountId}, Region ${r.region}, model ${r.model}`);
  out.push(`principal: ${r.principalArn ?? "(none given: IAM not simulated)"}`);
  out.push("");
  for (const g of r.gates) {
    out.push(`${MARK[g.status]} ${GATE_TITLES[g.gate].padEnd(WIDTH)}${g.summary}`);
    for (const line of renderEvidence(g.evidence)) out.push(indent(line, "      "));
    if (g.fix && g.status !== "pass") out.push(`      fix: ${g.fix}`);
  }
  out.push("");
  const approved = r.governance.approved === null ? "?" : r.governance.approved ? "✔" : "✘";
  out.push(`${approved} ${"Governance".padEnd(WIDTH)}${r.governance.summary}`);
  if (r.error) {
    const e = r.error;
    out.push("");
    out.push(
      `Pasted error: ${e.code ?? "(no exception name)"} → ${
        e.gate in GATE_TITLES ? GATE_TITLES[e.gate as keyof typeof GATE_TITLES] : e.gate
      } (${e.confidence} confidence${e.rule ? `, rule ${e.rule}` : ""})`,
    );
    out.push(`      ${e.explanation}`);
    out.push(`      fix: ${e.fix}`);
    out.push(`      live checks: ${e.live.replace("_", " ")} — ${e.liveNote}`);
  }
  if (r.probe) {
    out.push("");
    const mark = r.probe.status === "skipped" ? MARK.unknown : MARK[r.probe.status];
    out.push(`${mark} ${"Probe (Converse)".padEnd(WIDTH)}${r.probe.target}: ${r.probe.summary}`);
    if (r.probe.error) out.push(`      ${r.probe.error.message}`);
  }
  out.push("");
  out.push(
    r.verdict === "ok"
      ? "Verdict: OK — every gate passes."
      : r.verdict === "blocked"
        ? `Verdict: BLOCKED at ${GATE_TITLES[r.blockingGate ?? "credentials"]} — fix that gate first.`
        : "Verdict: INCONCLUSIVE — nothing fails, but some gates could not be checked (?).",
  );
  return `${out.join("\n")}\n`;
}

/** A pasted error classified without AWS calls. */
export function renderDiagnosis(d: ErrorDiagnosis): string {
  const gate = d.gate in GATE_TITLES ? GATE_TITLES[d.gate as keyof typeof GATE_TITLES] : d.gate;
  const lines = [
    `Error: ${d.code ?? "(no exception name)"} → ${gate} (${d.confidence} confidence${d.rule ? `, rule ${d.rule}` : ""})`,
    `      ${d.explanation}`,
    `      fix: ${d.fix}`,
  ];
  const details = Object.entries(d.details);
  if (details.length > 0) lines.push(`      named in the error: ${details.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  lines.push("Run with --account, --region and --model (and --principal) to check the gates live.");
  return `${lines.join("\n")}\n`;
}

export interface DoctorCliOptions {
  account?: string;
  region?: string;
  model?: string;
  principal?: string;
  error?: string;
  probe?: boolean;
  json?: boolean;
}

const FLAGS: Record<string, string> = {
  accountId: "--account",
  region: "--region",
  model: "--model",
  principalArn: "--principal",
};

/** `bedrock-governor doctor`: exit 0 when no gate fails, 3 when one does, 2 for unusable input. */
async function doctorCli(ctx: CommandContext, opts: DoctorCliOptions): Promise<number> {
  const target = [opts.account, opts.region, opts.model];
  if (target.every((v) => v === undefined)) {
    if (opts.error === undefined || opts.error.trim() === "")
      throw new UsageError("give --account, --region and --model (or only --error to classify an error)");
    if (opts.principal !== undefined || opts.probe)
      throw new UsageError("--principal and --probe need --account, --region and --model");
    const d = classifyError(opts.error);
    process.stdout.write(opts.json ? `${JSON.stringify(d, null, 2)}\n` : renderDiagnosis(d));
    return 0;
  }
  if (target.some((v) => v === undefined)) throw new UsageError("--account, --region and --model go together");
  try {
    return await diagnose(
      ctx,
      {
        accountId: opts.account as string,
        region: opts.region as string,
        model: opts.model as string,
        ...(opts.principal ? { principalArn: opts.principal } : {}),
        ...(opts.error ? { errorText: opts.error } : {}),
        probe: opts.probe === true,
      },
      { json: opts.json === true },
    );
  } catch (err) {
    if (!(err instanceof UnprocessableError)) throw err;
    // One line per field the service refused, named by its flag.
    const lines = err.errors.map((e) => `${FLAGS[e.field] ?? e.field} ${e.message}`);
    throw new UsageError(lines.length > 0 ? lines.join("\n") : err.message);
  }
}

/** Runs one diagnosis; exit code 0 when no gate fails, 3 when one does. */
async function diagnose({ runtime }: CommandContext, request: DoctorRequest, opts: { json: boolean }): Promise<number> {
  const { services } = await runtime();
  const report = await services.doctor.diagnose(operator(), request);
  process.stdout.write(
    opts.json
      ? `${JSON.stringify({ ...report, checkedAt: report.checkedAt.toISOString() }, null, 2)}\n`
      : renderReport(report),
  );
  return report.verdict === "blocked" ? 3 : 0;
}
