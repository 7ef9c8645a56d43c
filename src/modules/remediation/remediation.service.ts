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
import { ConflictError, ForbiddenError, NotFoundError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditEntry } from "../audit/audit.types.js";
import type { ChangeResult, PlanInputs, PlanScope, RemediationPlan } from "./remediation.types.js";
import { changeSummary, createRemediationApplier, gateOf, syncRequestsFor } from "./remediation-apply.js";
import { createRemediationPlanner, type RemediationDeps } from "./remediation-plan.js";

const isPlanCursor = (v: unknown): v is { createdAt: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { createdAt?: unknown }).createdAt === "string" &&
  typeof (v as { id?: unknown }).id === "string";
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

  function requireAdmin(ctx: CallContext, what: string) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError(`${what} needs the admin role`);
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

    async list(ctx: CallContext, page: { limit: number; cursor?: string }): Promise<Page<RemediationPlan>> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const cursor = decodeCursor(page.cursor, isPlanCursor);
      const rows = await repo.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
      );
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    /**
     * Applies a stored plan (admin only). Refuses with 409 — writing nothing — when the plan is not
     * `planned` any more, when recomputing it gives another fingerprint, or when Organizations
     * holds other SCP content than the plan saw.
     */
    async apply(ctx: CallContext, id: string): Promise<RemediationPlan> {
      requireAdmin(ctx, "applying a remediation plan");
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
      const claimed = await deps.db.transaction(async (tx) => {
        if (!(await repo.claim(id, ctx.principal.id, clock.now(), tx))) return false;
        await recordPlan(
          ctx,
          "remediation.apply",
          id,
          {
            before: { status: "planned" },
            after: { status: "applying", changes: plan.changes.length },
          },
          tx,
        );
        return true;
      });
      if (!claimed) throw new ConflictError(`plan ${id} is already being applied`, {}, "PLAN_NOT_APPLICABLE");

      const results: ChangeResult[] = [];
      const created = new Map<string, string>();
      let failed = false;
      for (const [index, change] of plan.changes.entries()) {
        if (failed) {
          results.push({ index, kind: change.kind, status: "skipped" });
          continue;
        }
        let result: ChangeResult;
        try {
          const policyId = await applier.execute(change, created);
          result = { index, kind: change.kind, status: "applied", ...(policyId ? { policyId } : {}) };
        } catch (err) {
          failed = true;
          result = { index, kind: change.kind, status: "failed", error: gateOf(err) };
          deps.log.warn({ planId: id, index, kind: change.kind, err }, "remediation change failed");
        }
        results.push(result);
        await deps.db.transaction((tx) =>
          recordPlan(
            ctx,
            "remediation.change",
            id,
            {
              after: {
                ...changeSummary(change),
                index,
                status: result.status,
                ...(result.error ? { error: result.error } : {}),
              },
            },
            tx,
          ),
        );
      }
      const status = failed ? "failed" : "applied";
      await deps.db.transaction(async (tx) => {
        await repo.finish(id, status, results, tx);
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
            },
          },
          tx,
        );
      });
      // Verify: re-sync what changed (what was applied, even when a later change failed).
      const appliedChanges = plan.changes.filter((_, i) => results[i]?.status === "applied");
      const runIds: string[] = [];
      for (const req of syncRequestsFor(appliedChanges, now.tree)) {
        try {
          runIds.push(await deps.requestSync(ctx, req));
        } catch (err) {
          deps.log.warn({ planId: id, req, err }, "could not start the verifying sync");
        }
      }
      if (runIds.length > 0) await repo.recordSyncRuns(id, runIds);
      return (await repo.find(id)) as RemediationPlan;
    },
  };
}

export type RemediationService = ReturnType<typeof createRemediationService>;
