// Remediation: plan the exact AWS changes that bring a scope in line with the catalog (SCPs,
// Marketplace agreements, the Anthropic use case), store the plan for review, and apply it on an
// admin's explicit request. Nothing here writes to AWS except `apply`.
//
// A plan is applied only while it is still true: apply recomputes it from the current catalog,
// inventory and offers, and refuses (409 PLAN_STALE, nothing written) when the fingerprint differs;
// it then checks every SCP the plan touches against Organizations itself, so a policy edited
// after the last sync is not overwritten. Each change is audited as it lands; the touched
// account-Regions are re-synced, and reconciliation follows each finished sync run.
import { randomUUID } from "node:crypto";
import type { Tx } from "../../db/prisma.js";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import { decodeCursor, isTimeIdCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditEntry } from "../audit/audit.types.js";
import type { CatalogEntry } from "../catalog/catalog.types.js";
import type {
  ApplyOptions,
  Breakage,
  ChangeResult,
  PlanChange,
  PlanFilter,
  PlanInputs,
  PlanOverride,
  PlanScope,
  RemediationPlan,
  RolloutReport,
} from "./remediation.types.js";
import { changeSummary, createRemediationApplier, gateOf, syncRequestsFor } from "./remediation-apply.js";
import { createRemediationPlanner, type RemediationDeps } from "./remediation-plan.js";
import { applyLease } from "./remediation-recovery.js";
import { breakageKey, createRolloutVerifier, firstStage, type StageVerification } from "./remediation-rollout.js";
import type { OrgTreeNode } from "./scp-plan.js";
import { affectedAccounts, describeBreakage, preflightScps } from "./scp-preflight.js";

export function createRemediationService(deps: RemediationDeps) {
  const { repo, clock } = deps;
  const planner = createRemediationPlanner(deps);
  const recordPlan = (
    ctx: CallContext,
    action: string,
    id: string,
    change: Omit<AuditEntry, "action" | "targetType" | "targetId">,
    tx: Tx,
  ) => deps.audit.record(ctx, { action, targetType: "remediation_plan", targetId: id, ...change }, tx);
  const applier = createRemediationApplier(deps);
  const lease = applyLease(deps);

  const verifyStage = createRolloutVerifier(deps);

  function requireAdmin(ctx: CallContext, what: string) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError(`${what} needs the admin role`);
  }

  /** Approved paths the plan's SCP changes would block, judged on every account they reach. */
  async function preflightPlan(
    changes: readonly PlanChange[],
    tree: readonly OrgTreeNode[],
    entries: readonly CatalogEntry[],
  ): Promise<Breakage[]> {
    if (!changes.some((c) => c.kind.startsWith("scp_"))) return [];
    const policies = await repo.scps();
    const accountIds = affectedAccounts(tree, policies, changes);
    const out: Breakage[] = [];
    for await (const inventory of deps.inventory.chunks({ accountIds }))
      out.push(...preflightScps({ inventory, policies, changes, entries, now: clock.now() }));
    return out;
  }

  /** The first stage of a rollout: apply it, record it, verify it, record the verdict. */
  async function runFirstStage(
    ctx: CallContext,
    a: {
      id: string;
      first: string;
      stage: { first: number[] };
      run: () => Promise<boolean>;
      verify: () => Promise<StageVerification>;
      progress: (r: RolloutReport | null) => Promise<void>;
    },
  ): Promise<RolloutReport> {
    const base = { first: a.first, firstChanges: a.stage.first };
    if (!(await a.run()))
      return {
        ...base,
        status: "failed",
        syncRunIds: [],
        breakages: [],
        message: "a change of the first stage failed; the rest was not applied",
      };
    // What landed is on record before the (possibly long) wait for the verifying sync.
    await a.progress(null);
    let v: StageVerification;
    try {
      v = await a.verify();
    } catch (err) {
      deps.log.warn({ planId: a.id, err }, "could not verify the first stage of a rollout");
      v = { syncRunIds: [], problem: `could not verify the first stage: ${gateOf(err).message}`, breakages: [] };
    }
    const stopped = v.problem !== null || v.breakages.length > 0;
    const report: RolloutReport = {
      ...base,
      status: stopped ? "stopped" : "verified",
      syncRunIds: v.syncRunIds,
      breakages: v.breakages,
      message:
        v.problem !== null
          ? `${v.problem}; the rest was not applied`
          : v.breakages.length > 0
            ? `after the first stage ${v.breakages.length} approved path(s) are blocked: ${v.breakages.slice(0, 5).map(describeBreakage).join("; ")}; the rest was not applied`
            : null,
    };
    await a.progress(report);
    await deps.db.transaction((tx) =>
      recordPlan(
        ctx,
        "remediation.rollout",
        a.id,
        { after: { first: a.first, status: report.status, syncRunIds: v.syncRunIds, breakages: v.breakages } },
        tx,
      ),
    );
    return report;
  }
  return {
    /** Computes and stores a plan (admin or approver: planning reads AWS but writes nothing there). */
    async createPlan(ctx: CallContext, scope: PlanScope, inputs: PlanInputs = {}): Promise<RemediationPlan> {
      if (!hasRole(ctx.principal, "admin", "approver"))
        throw new ForbiddenError("planning remediation needs the admin or approver role");
      const computed = await planner.compute(scope, inputs);
      const plan = {
        id: randomUUID(),
        scope,
        fingerprint: computed.fingerprint,
        changes: computed.changes,
        unresolved: computed.unresolved,
        inputs,
        createdBy: ctx.principal.id,
        createdAt: clock.now().toISOString(),
      };
      return deps.db.transaction(async (tx) => {
        const stored = await repo.insert(plan, tx);
        await recordPlan(
          ctx,
          "remediation.plan",
          plan.id,
          {
            after: { scope, changes: plan.changes.length, unresolved: plan.unresolved.length },
          },
          tx,
        );
        return stored;
      });
    },

    async get(ctx: CallContext, id: string): Promise<RemediationPlan> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const plan = await repo.find(id);
      if (!plan) throw new NotFoundError(`remediation plan ${id} not found`);
      return plan;
    },

    async list(
      ctx: CallContext,
      page: { limit: number; cursor?: string },
      filter: PlanFilter = {},
    ): Promise<Page<RemediationPlan>> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const cursor = decodeCursor(page.cursor, isTimeIdCursor);
      const rows = await repo.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
        filter,
      );
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    /**
     * Applies a stored plan (admin only). Refuses with 409 — writing nothing — when the plan is not
     * `planned` any more, when recomputing it gives another fingerprint, when Organizations holds
     * other SCP content than the plan saw, or when pre-flight finds approved use the new SCPs would
     * block (PLAN_WOULD_BLOCK; `force` with a `reason` accepts it, and the audit log says so).
     * With `rollout.first`, the changes under that OU or account go first and are verified by a
     * re-sync before the rest; an unexpected block stops the apply there.
     */
    async apply(ctx: CallContext, id: string, opts: ApplyOptions = {}): Promise<RemediationPlan> {
      requireAdmin(ctx, "applying a remediation plan");
      const reason = opts.reason?.trim() ?? "";
      if (opts.force && reason.length === 0)
        throw new ValidationError("force needs a reason", [
          { field: "body.reason", message: "is required with force" },
        ]);
      const plan = await repo.find(id);
      if (!plan) throw new NotFoundError(`remediation plan ${id} not found`);
      if (plan.status !== "planned")
        throw new ConflictError(
          `plan ${id} is ${plan.status}; make a new plan`,
          { planStatus: plan.status },
          "PLAN_NOT_APPLICABLE",
        );
      const now = await planner.compute(plan.scope, plan.inputs);
      if (now.fingerprint !== plan.fingerprint)
        throw new ConflictError(
          `plan ${id} is stale: the catalog or the organization changed since it was made; make a new plan`,
          { planned: plan.changes.length, now: now.changes.length },
          "PLAN_STALE",
        );
      const problems = await applier.preflight(plan.changes);
      if (problems.length > 0)
        throw new ConflictError(
          `plan ${id} is stale: ${problems.join("; ")}; sync and make a new plan`,
          { problems },
          "PLAN_STALE",
        );
      const stage = opts.rollout ? firstStage(plan.changes, now.tree, opts.rollout.first) : undefined;
      const entries = await deps.desired.entries(clock.now());
      const breakages = await preflightPlan(plan.changes, now.tree, entries);
      if (breakages.length > 0 && !opts.force)
        throw new ConflictError(
          `plan ${id} would block ${breakages.length} approved path(s): ${breakages.slice(0, 5).map(describeBreakage).join("; ")}${breakages.length > 5 ? "; …" : ""}. Change the catalog or the SCPs, or apply with force and a reason`,
          { breakages },
          "PLAN_WOULD_BLOCK",
        );
      const override: PlanOverride | null = opts.force ? { by: ctx.principal.id, reason, breakages } : null;
      const before = stage ? await deps.inventory.accounts(stage.accounts) : [];
      // The lease says this apply is alive; the recovery takes over a plan whose lease ran out.
      const owner = randomUUID();
      const claimed = await deps.db.transaction(async (tx) => {
        if (!(await repo.claim(id, ctx.principal.id, clock.now(), override, lease.from(owner), tx))) return false;
        await recordPlan(
          ctx,
          "remediation.apply",
          id,
          {
            before: { status: "planned" },
            after: {
              status: "applying",
              changes: plan.changes.length,
              ...(override ? { forced: { reason, breakages } } : {}),
              ...(opts.rollout ? { rollout: { first: opts.rollout.first, firstChanges: stage?.first } } : {}),
            },
          },
          tx,
        );
        return true;
      });
      if (!claimed) throw new ConflictError(`plan ${id} is already being applied`, {}, "PLAN_NOT_APPLICABLE");
      const held = lease.hold(id, owner);
      try {
        return await applyClaimed(ctx, { plan, owner, opts, stage, now, entries, breakages, before });
      } finally {
        held.stop();
      }
    },
  };

  /** The apply of a claimed plan: each change journalled before its AWS call and after it. */
  async function applyClaimed(
    ctx: CallContext,
    a: {
      plan: RemediationPlan;
      owner: string;
      opts: ApplyOptions;
      stage: ReturnType<typeof firstStage> | undefined;
      now: { tree: OrgTreeNode[] };
      entries: CatalogEntry[];
      breakages: Breakage[];
      before: Awaited<ReturnType<RemediationDeps["inventory"]["accounts"]>>;
    },
  ): Promise<RemediationPlan> {
    const { plan, owner, opts, stage, now, entries, breakages, before } = a;
    const id = plan.id;

    const results: ChangeResult[] = plan.changes.map((c, index) => ({ index, kind: c.kind, status: "skipped" }));
    const created = new Map<string, string>();
    /** Runs the changes in order, stopping at the first failure; true when all were applied. */
    const run = async (indexes: readonly number[]): Promise<boolean> => {
      for (const index of indexes) {
        const change = plan.changes[index] as PlanChange;
        // Intent first, in its own transaction: a process killed during the AWS call leaves this
        // row `started`, and the recovery reads AWS to learn whether the change landed.
        const mine = await deps.db.transaction(async (tx) => {
          if (!(await repo.renewLease(id, lease.from(owner), tx))) return false;
          await repo.startChange(id, index, change.kind, clock.now(), tx);
          await recordPlan(ctx, "remediation.intent", id, { after: { ...changeSummary(change), index } }, tx);
          return true;
        });
        if (!mine)
          throw new ConflictError(
            `plan ${id} was taken over by the recovery of an interrupted apply`,
            {},
            "PLAN_NOT_APPLICABLE",
          );
        let result: ChangeResult;
        try {
          const ref = await applier.execute(change, created, `${id}-${index}`);
          const key = change.kind.startsWith("license_grant") ? "grantArn" : "policyId";
          result = { index, kind: change.kind, status: "applied", ...(ref ? { [key]: ref } : {}) };
        } catch (err) {
          result = { index, kind: change.kind, status: "failed", error: gateOf(err) };
          deps.log.warn({ planId: id, index, kind: change.kind, err }, "remediation change failed");
        }
        results[index] = result;
        const ref = result.policyId ?? result.grantArn;
        await deps.db.transaction(async (tx) => {
          await repo.finishChange(
            id,
            index,
            {
              status: result.status === "applied" ? "applied" : "failed",
              ...(ref ? { ref } : {}),
              ...(result.error ? { error: result.error } : {}),
            },
            clock.now(),
            tx,
          );
          await recordPlan(
            ctx,
            "remediation.change",
            id,
            {
              after: {
                ...changeSummary(change),
                index,
                status: result.status,
                ...(result.grantArn ? { grantArn: result.grantArn } : {}),
                ...(result.error ? { error: result.error } : {}),
              },
            },
            tx,
          );
        });
        if (result.status === "failed") return false;
      }
      return true;
    };
    const applied = () => plan.changes.filter((_, i) => results[i]?.status === "applied");

    let ok: boolean;
    let rollout: RolloutReport | null = null;
    if (stage && opts.rollout) {
      const rest = plan.changes.map((_, i) => i).filter((i) => !stage.first.includes(i));
      rollout = await runFirstStage(ctx, {
        id,
        first: opts.rollout.first,
        stage,
        run: () => run(stage.first),
        verify: () =>
          verifyStage(ctx, {
            applied: applied(),
            tree: now.tree,
            accounts: stage.accounts,
            before,
            entries,
            accepted: new Set(breakages.map(breakageKey)),
          }),
        progress: (r) => deps.db.transaction((tx) => repo.recordProgress(id, results, r, tx)),
      });
      ok = rollout.status === "verified" && (await run(rest));
    } else ok = await run(plan.changes.map((_, i) => i));

    const status = ok ? "applied" : "failed";
    await deps.db.transaction(async (tx) => {
      await repo.finish(id, status, results, rollout, tx);
      await recordPlan(
        ctx,
        "remediation.apply",
        id,
        {
          before: { status: "applying" },
          after: {
            status,
            applied: results.filter((r) => r.status === "applied").length,
            failed: results.filter((r) => r.status === "failed").length,
            skipped: results.filter((r) => r.status === "skipped").length,
            ...(rollout ? { rollout: { status: rollout.status, breakages: rollout.breakages.length } } : {}),
          },
        },
        tx,
      );
    });
    // Verify: re-sync what changed (what was applied, even when a later change failed); the first
    // stage of a rollout was re-synced already.
    const verified = new Set(rollout?.syncRunIds.length ? (stage?.first ?? []) : []);
    const runIds: string[] = [...(rollout?.syncRunIds ?? [])];
    const toSync = plan.changes.filter((_, i) => results[i]?.status === "applied" && !verified.has(i));
    for (const req of syncRequestsFor(toSync, now.tree)) {
      try {
        runIds.push(await deps.requestSync(ctx, req));
      } catch (err) {
        deps.log.warn({ planId: id, req, err }, "could not start the verifying sync");
      }
    }
    if (runIds.length > 0) await repo.recordSyncRuns(id, runIds);
    return (await repo.find(id)) as RemediationPlan;
  }
}

export type RemediationService = ReturnType<typeof createRemediationService>;
