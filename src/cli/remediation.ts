// `bedrock-governor plan | apply <plan-id> | reconcile`: remediation from a terminal with database
// access (operator access, audited as cli:<user>). Nothing is written to AWS without `apply`.
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import type { SyncRunView } from "../modules/inventory/inventory.types.js";
import {
  type ApplyOptions,
  PLAN_STATUSES,
  type PlanChange,
  type PlanScope,
  type PlanStatus,
  type RemediationPlan,
} from "../modules/remediation/remediation.types.js";
import { describeBreakage } from "../modules/remediation/scp-preflight.js";
import { operator } from "./operator.js";
import { type CommandContext, runCommand, UsageError } from "./run-command.js";

type RemediationAction =
  | { kind: "plan"; opts: PlanCommandOptions }
  | { kind: "apply"; planId: string; json?: boolean; opts: ApplyOptions }
  | { kind: "reconcile" }
  | { kind: "list"; pending?: boolean; status?: PlanStatus; json?: boolean }
  | { kind: "show"; planId: string; json?: boolean };

export function registerRemediationCommands(program: Command): void {
  const plan = program
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
  plan
    .command("list")
    .description(
      "Stored plans, newest first; --pending: the admin's queue (planned, with changes), e.g. plans requests wait for",
    )
    .option("--pending", "only plans waiting for an admin to apply them")
    .addOption(new Option("--status <status>", "only plans in this status").choices([...PLAN_STATUSES]))
    .option("--json", "print the plans as JSON")
    .action(
      // `--json` also names an option of `plan` itself, which commander gives the parent: read both.
      runCommand((ctx, _opts: unknown, cmd: Command) =>
        remediationCommand(ctx, {
          kind: "list",
          ...cmd.optsWithGlobals<{ pending?: boolean; status?: PlanStatus; json?: boolean }>(),
        }),
      ),
    );
  plan
    .command("show <plan-id>")
    .description("One stored plan: its changes, results, rollout and verifying sync runs")
    .option("--json", "print the plan as JSON")
    .action(
      runCommand((ctx, planId: string, _opts: unknown, cmd: Command) =>
        remediationCommand(ctx, { kind: "show", planId, ...cmd.optsWithGlobals<{ json?: boolean }>() }),
      ),
    );
  program
    .command("apply")
    .description("Apply a stored remediation plan (refused when stale); the touched scopes are re-synced")
    .argument("<plan-id>", "the plan id printed by `plan`")
    .option("--json", "print the outcome as JSON")
    .option("--force", "apply although pre-flight finds approved use the new SCPs would block (needs --reason)")
    .option("--reason <text>", "why the plan is forced (audited)")
    .option("--first <ou-or-account>", "staged rollout: apply and verify this OU's or account's changes first")
    .action(
      runCommand((ctx, planId: string, opts: ApplyCommandOptions) =>
        remediationCommand(ctx, {
          kind: "apply",
          planId,
          ...(opts.json ? { json: true } : {}),
          opts: {
            ...(opts.force ? { force: true } : {}),
            ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
            ...(opts.first ? { rollout: { first: opts.first } } : {}),
          },
        }),
      ),
    );
  program
    .command("reconcile")
    .description("Reconcile the catalog with the inventory now and print what changed in the findings")
    .action(runCommand((ctx) => remediationCommand(ctx, { kind: "reconcile" })));
}

function scopeText(scope: PlanScope): string {
  if (scope.kind === "organization") return "organization";
  if (scope.kind === "ou") return `ou ${scope.id}`;
  return `account ${scope.id}${scope.region ? ` ${scope.region}` : ""}`;
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
    case "retention_put":
      return [`~ set data retention of ${c.accountId} ${c.region} from ${c.before} to ${c.mode}`];
    case "license_grant_create":
      return [
        `+ grant ${c.licenseArn} (${c.modelId}) to ${c.scope ? `OU ${c.scope.id}` : c.accountId} and activate it`,
      ];
    case "license_grant_activate":
      return [`~ activate grant ${c.grantArn} (${c.status}) for ${c.scope ? `OU ${c.scope.id}` : c.accountId}`];
    case "license_grant_delete":
      return [`- delete grant ${c.grantArn} (${c.grantName})`];
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
  if (plan.override)
    lines.push(
      `forced by ${plan.override.by} (${plan.override.reason}) over ${plan.override.breakages.length} blocked approved path(s):`,
      ...plan.override.breakages.map((b) => `  ! ${describeBreakage(b)}`),
    );
  if (plan.rollout) {
    lines.push(
      `rollout: ${plan.rollout.first} first (changes ${plan.rollout.firstChanges.join(", ")}), ${plan.rollout.status}`,
    );
    if (plan.rollout.message) lines.push(`  ${plan.rollout.message}`);
    lines.push(...plan.rollout.breakages.map((b) => `  ! ${describeBreakage(b)}`));
  }
  if (plan.syncRunIds.length > 0) lines.push(`verifying sync runs: ${plan.syncRunIds.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

interface ApplyCommandOptions {
  json?: boolean;
  force?: boolean;
  reason?: string;
  first?: string;
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
  // apply re-syncs what it changed: those sync jobs run here, against the AWS this process sees.
  const { services } = await runtime({ jobs: action.kind === "apply" ? "work" : "send" });
  const ctx = operator();
  const { remediation, reconcile } = services;
  if (action.kind === "list") {
    if (action.pending && action.status && action.status !== "planned")
      throw new UsageError("--pending lists planned plans; leave out --status or use --status planned");
    const page = await remediation.list(
      ctx,
      { limit: 200 },
      action.pending ? { status: "planned", hasChanges: true } : action.status ? { status: action.status } : {},
    );
    if (action.json) process.stdout.write(`${JSON.stringify(page.items, null, 2)}\n`);
    else
      for (const p of page.items)
        process.stdout.write(
          `${p.id}\t${p.status}\t${scopeText(p.scope)}\t${p.changes.length} change(s)\t${p.createdAt}\n`,
        );
    return 0;
  }
  if (action.kind === "show") {
    const plan = await remediation.get(ctx, action.planId);
    process.stdout.write(action.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    return 0;
  }
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
      : await remediation.apply(ctx, action.planId, action.opts);
  const json = action.kind === "plan" ? action.opts.json : action.json;
  if (action.kind === "apply") {
    const verifying = await followVerifyingSyncs(plan.syncRunIds, (id) => services.sync.getRun(ctx, id));
    process.stdout.write(
      json ? `${JSON.stringify({ ...plan, verifyingSyncRuns: verifying }, null, 2)}\n` : renderPlan(plan),
    );
    if (!json) for (const r of verifying) process.stdout.write(`verifying sync run ${r.id} ${r.status}\n`);
    return plan.status === "applied" ? 0 : 1;
  }
  process.stdout.write(json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
  if (action.kind === "plan" && !json && plan.changes.length > 0)
    process.stdout.write(`apply it with: bedrock-governor apply ${plan.id}\n`);
  return plan.changes.length > 0 ? 2 : 0;
}

const FINISHED = new Set(["succeeded", "partial", "failed"]);

/** Waits for the verifying sync runs (worked in this process), a plain line on stderr as each ends. */
async function followVerifyingSyncs(
  ids: readonly string[],
  getRun: (id: string) => Promise<SyncRunView>,
  pollMs = 500,
): Promise<Array<{ id: string; status: SyncRunView["status"] }>> {
  const out: Array<{ id: string; status: SyncRunView["status"] }> = [];
  for (const id of ids) {
    let run = await getRun(id);
    while (!FINISHED.has(run.status)) {
      await new Promise((r) => setTimeout(r, pollMs));
      run = await getRun(id);
    }
    process.stderr.write(`verifying sync run ${id} ${run.status}\n`);
    out.push({ id, status: run.status });
  }
  return out;
}
