// `bedrock-governor plan | apply <plan-id> | reconcile`: remediation from a terminal with database
// access (operator access, audited as cli:<user>). Nothing is written to AWS without `apply`.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { PlanChange, PlanScope, RemediationPlan } from "../modules/remediation/remediation.types.js";
import { operator } from "./operator.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

type RemediationAction =
  | { kind: "plan"; opts: PlanCommandOptions }
  | { kind: "apply"; planId: string; json?: boolean }
  | { kind: "reconcile" };

export function registerRemediationCommands(program: Command): void {
  program
    .command("plan")
    .description(
      "Plan the AWS changes (SCPs, agreements, Anthropic use case) that close the drift in a scope; writes nothing to AWS. Exit 2 when there are changes",
    )
    .option("--ou <id>", "the accounts under this OU (or the root)")
    .option("--account <id>", "one account")
    .option("--region <region>", "with --account: only this Region's agreements and use case")
    .option("--use-case-file <form.json>", "the Anthropic use-case form (JSON) to submit where it is missing")
    .option("--json", "print the plan as JSON")
    .action(runCommand((ctx, opts: PlanCommandOptions) => remediationCommand(ctx, { kind: "plan", opts })));
  program
    .command("apply")
    .description("Apply a stored remediation plan (refused when stale); the touched scopes are re-synced")
    .argument("<plan-id>", "the plan id printed by `plan`")
    .option("--json", "print the outcome as JSON")
    .action(
      runCommand((ctx, planId: string, opts: { json?: boolean }) =>
        remediationCommand(ctx, { kind: "apply", planId, ...(opts.json ? { json: true } : {}) }),
      ),
    );
  program
    .command("reconcile")
    .description("Reconcile the catalog with the inventory now and print what changed in the findings")
    .action(runCommand((ctx) => remediationCommand(ctx, { kind: "reconcile" })));
}

function target(c: { target: { kind: string; id: string } }) {
  return `${c.target.kind} ${c.target.id}`;
}

function describeChange(c: PlanChange): string[] {
  switch (c.kind) {
    case "scp_create":
      return [`+ create SCP ${c.name} for ${target(c)} (${c.content.length} characters)`];
    case "scp_update":
      return [
        `~ update SCP ${c.policyId} ${c.previousName}${c.previousName === c.name ? "" : ` → ${c.name}`} (${target(c)})`,
        ...c.diff
          .split("\n")
          .filter((l) => l.length > 0 && !l.startsWith("====="))
          .map((l) => `    ${l}`),
      ];
    case "scp_attach":
      return [`+ attach SCP ${c.policyId ?? c.name} to ${target(c)}`];
    case "scp_detach":
      return [`- detach SCP ${c.policyId} (${c.name}) from ${target(c)}`];
    case "scp_delete":
      return [`- delete SCP ${c.policyId} (${c.name})`];
    case "agreement_create":
      return [
        `+ accept the Marketplace offer ${c.offer.offerId ?? c.offer.offerToken} for ${c.modelId} in ${c.accountId} ${c.region}`,
      ];
    case "use_case_put":
      return [`+ submit the Anthropic use case for ${c.accountId} (needed by ${c.models.join(", ")})`];
  }
}

export function renderPlan(plan: RemediationPlan): string {
  const lines = [`plan ${plan.id} (${plan.status}), ${plan.changes.length} change(s)`];
  for (const c of plan.changes) lines.push(...describeChange(c));
  if (plan.unresolved.length > 0) {
    lines.push(`${plan.unresolved.length} thing(s) the plan cannot do:`);
    for (const u of plan.unresolved) lines.push(`  ! ${u.reason}`);
  }
  if (plan.results) {
    const count = (s: string) => plan.results?.filter((r) => r.status === s).length ?? 0;
    lines.push(`results: ${count("applied")} applied, ${count("failed")} failed, ${count("skipped")} skipped`);
    for (const r of plan.results.filter((x) => x.error))
      lines.push(`  change ${r.index} (${r.kind}) failed at the ${r.error?.gate} gate: ${r.error?.message}`);
  }
  if (plan.syncRunIds.length > 0) lines.push(`verifying sync runs: ${plan.syncRunIds.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

export interface PlanCommandOptions {
  ou?: string;
  account?: string;
  region?: string;
  useCaseFile?: string;
  json?: boolean;
}

function scopeOf(opts: PlanCommandOptions): PlanScope {
  if (opts.ou && opts.account) throw new UsageError("--ou and --account exclude each other");
  if (opts.region && !opts.account) throw new UsageError("--region needs --account");
  if (opts.ou) return { kind: "ou", id: opts.ou };
  if (opts.account) return { kind: "account", id: opts.account, ...(opts.region ? { region: opts.region } : {}) };
  return { kind: "organization" };
}

async function remediationCommand({ runtime }: CommandContext, action: RemediationAction): Promise<number> {
  const scope = action.kind === "plan" ? scopeOf(action.opts) : undefined;
  let useCaseForm: Record<string, unknown> | undefined;
  if (action.kind === "plan" && action.opts.useCaseFile) {
    const parsed: unknown = JSON.parse(await readFile(action.opts.useCaseFile, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new UsageError("--use-case-file must hold a JSON object (the Anthropic use-case form)");
    useCaseForm = parsed as Record<string, unknown>;
  }
  const { services } = await runtime();
  const ctx = operator();
  const { remediation, reconcile } = services;
  if (action.kind === "reconcile") {
    const r = await reconcile.reconcileNow(ctx);
    process.stdout.write(
      `${r.found} finding(s): ${r.created} new, ${r.seenAgain} seen again, ${r.resolved} resolved\n`,
    );
    return 0;
  }
  const plan =
    action.kind === "plan"
      ? await remediation.createPlan(ctx, scope as PlanScope, useCaseForm ? { useCaseForm } : {})
      : await remediation.apply(ctx, action.planId);
  const json = action.kind === "plan" ? action.opts.json : action.json;
  process.stdout.write(json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
  if (action.kind === "plan" && !json && plan.changes.length > 0)
    process.stdout.write(`apply it with: bedrock-governor apply ${plan.id}\n`);
  if (action.kind === "apply") return plan.status === "applied" ? 0 : 1;
  return plan.changes.length > 0 ? 2 : 0;
}
