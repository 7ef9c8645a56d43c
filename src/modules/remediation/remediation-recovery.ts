// Recovery of an apply whose process died (kill -9, a lost machine) while the plan was `applying`.
// The apply holds a lease on the plan, renewed while it runs, and journals each change before its
// AWS call and after it. A plan whose lease ran out is taken over by one process (the conditional
// UPDATE of the lease is the lock), which reads AWS for each change that was started but has no
// outcome: what landed is adopted (recorded applied, with the id AWS gave), what is half done is
// undone (a grant never activated; a policy the plan created but did not attach everywhere), and
// the plan ends `applied` (everything landed), `rolled_back` (nothing of it is left in AWS) or
// `failed`. The recovery makes no change the interrupted apply had not started: the plan was
// checked against AWS when it was applied, not now; a new plan is made for what is left.
import { randomUUID } from "node:crypto";
import { SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { ApplyLease, JournalEntry } from "./remediation.repository.js";
import type { ChangeResult, PlanChange, RemediationPlan } from "./remediation.types.js";
import { changeSummary as summaryOf, syncRequestsFor } from "./remediation-apply.js";
import type { RemediationDeps } from "./remediation-plan.js";

/** Default lease of an apply: renewed every third of it, taken over once it has run out. */
const DEFAULT_LEASE_SECONDS = 60;

type LeaseDeps = Pick<RemediationDeps, "repo" | "clock" | "log" | "settings">;

export function applyLease(deps: LeaseDeps) {
  const ms = (deps.settings.applyLeaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  const from = (owner: string): ApplyLease => ({ owner, until: new Date(deps.clock.now().getTime() + ms) });
  return {
    from,
    /** Renews the lease every third of its length until stopped. */
    hold(planId: string, owner: string): { stop(): void } {
      const timer = setInterval(() => {
        deps.repo.renewLease(planId, from(owner)).then(
          (ok) => {
            if (!ok) deps.log.warn({ planId }, "the apply lost its lease on the plan");
          },
          (err: unknown) => deps.log.warn({ planId, err }, "could not renew the apply lease"),
        );
      }, ms / 3);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}

/** What AWS says of a change that was started: landed (with the id AWS gave) or not. */
export interface Landed {
  /** unknown: AWS holds neither what was planned nor what was there before (someone else changed it). */
  landed: boolean | "unknown";
  ref?: string;
  /** Something half done was undone on the way (a grant that was never activated). */
  undone?: string;
}

const ctx = { principal: SYSTEM_PRINCIPAL };

/** Reads AWS to learn whether a change whose outcome was not recorded has landed. */
export function createChangeInspector(deps: Pick<RemediationDeps, "aws">) {
  const org = () => deps.aws.organizations();

  async function policyByName(name: string): Promise<string | undefined> {
    const live = await org().listPolicies("SERVICE_CONTROL_POLICY");
    return live.find((p) => p.Name === name)?.Id ?? undefined;
  }

  async function attachedTo(policyId: string): Promise<string[]> {
    return (await org().listTargetsForPolicy(policyId)).map((t) => t.TargetId as string);
  }

  async function inspect(change: PlanChange, created: ReadonlyMap<string, string>): Promise<Landed> {
    switch (change.kind) {
      case "scp_create": {
        const id = await policyByName(change.name);
        return id ? { landed: true, ref: id } : { landed: false };
      }
      case "scp_update": {
        const p = await org().describePolicy(change.policyId);
        if (p?.Content === change.after && p.PolicySummary?.Name === change.name)
          return { landed: true, ref: change.policyId };
        if (p?.Content === change.before) return { landed: false };
        return {
          landed: "unknown",
          undone: `policy ${change.policyId} holds neither the planned nor the previous content`,
        };
      }
      case "scp_attach": {
        const id = change.policyId ?? created.get(change.name) ?? (await policyByName(change.name));
        if (!id) return { landed: false };
        return (await attachedTo(id)).includes(change.target.id) ? { landed: true, ref: id } : { landed: false };
      }
      case "scp_detach":
        return (await attachedTo(change.policyId)).includes(change.target.id)
          ? { landed: false }
          : { landed: true, ref: change.policyId };
      case "scp_delete": {
        const live = await org().listPolicies("SERVICE_CONTROL_POLICY");
        return live.some((p) => p.Id === change.policyId) ? { landed: false } : { landed: true, ref: change.policyId };
      }
      case "agreement_create": {
        const a = await deps.aws
          .account(change.accountId)
          .bedrock(change.region)
          .getFoundationModelAvailability(change.modelId);
        const status = a.agreementAvailability?.status;
        return { landed: status === "AVAILABLE" || status === "PENDING" };
      }
      case "use_case_put": {
        const form = await deps.aws.account(change.accountId).bedrock(change.region).getUseCaseForModelAccess();
        return { landed: form !== undefined };
      }
      case "retention_put": {
        const mode = await deps.aws.account(change.accountId).bedrock(change.region).getAccountDataRetention();
        return { landed: mode === change.mode };
      }
      case "license_grant_create": {
        const lm = deps.aws.account(change.managementAccountId).licenseManager();
        const grants = (await lm.listDistributedGrants(change.licenseArn)).filter(
          (g) => g.GrantName === change.grantName && g.GrantStatus !== "DELETED",
        );
        // A grant to an OU reports WORKFLOW_COMPLETED once distributed (its members' child grants carry
        // their own status [doc License Manager "License status for grants"]); a re-plan activates it
        // where a member's sync does not see it ACTIVE.
        const active = grants.find(
          (g) => g.GrantStatus === "ACTIVE" || (change.scope !== undefined && g.GrantStatus === "WORKFLOW_COMPLETED"),
        );
        if (active) return { landed: true, ref: active.GrantArn as string };
        // Created but never activated: half done, and deleted again as the apply itself would.
        for (const g of grants) await lm.deleteGrant(g.GrantArn as string, g.Version ?? "1");
        return grants.length > 0
          ? { landed: false, undone: `deleted grant(s) never activated: ${grants.map((g) => g.GrantArn).join(", ")}` }
          : { landed: false };
      }
      case "license_grant_activate": {
        const g = await deps.aws.account(change.managementAccountId).licenseManager().getGrant(change.grantArn);
        const ok =
          g?.GrantStatus === "ACTIVE" || (change.scope !== undefined && g?.GrantStatus === "WORKFLOW_COMPLETED");
        return { landed: ok, ref: change.grantArn };
      }
      case "license_grant_delete": {
        const g = await deps.aws.account(change.managementAccountId).licenseManager().getGrant(change.grantArn);
        return { landed: !g || g.GrantStatus === "DELETED", ref: change.grantArn };
      }
    }
  }

  return { inspect, policyByName, attachedTo };
}

export function createRemediationRecovery(deps: RemediationDeps) {
  const { repo, clock, log } = deps;
  const lease = applyLease(deps);
  const org = () => deps.aws.organizations();
  const { inspect, attachedTo } = createChangeInspector(deps);

  const resultOf = (plan: RemediationPlan, e: JournalEntry): ChangeResult => {
    const change = plan.changes[e.index] as PlanChange;
    const key = change.kind.startsWith("license_grant") ? "grantArn" : "policyId";
    const status = e.status === "started" ? "not_applied" : e.status;
    return {
      index: e.index,
      kind: change.kind,
      status,
      ...(e.ref ? { [key]: e.ref } : {}),
      ...(e.error ? { error: e.error } : {}),
      ...(e.recovered ? { recovered: true } : {}),
    };
  };

  /** Records one recovered outcome: the journal row and its audit event, in one transaction. */
  async function record(
    plan: RemediationPlan,
    index: number,
    outcome: { status: "applied" | "not_applied" | "rolled_back" | "failed"; ref?: string; note?: string },
    error?: ChangeResult["error"],
  ) {
    const change = plan.changes[index] as PlanChange;
    await deps.db.transaction(async (tx) => {
      await repo.finishChange(
        plan.id,
        index,
        {
          status: outcome.status,
          ...(outcome.ref ? { ref: outcome.ref } : {}),
          ...(error ? { error } : {}),
          recovered: true,
        },
        clock.now(),
        tx,
      );
      await deps.audit.record(
        ctx,
        {
          action: "remediation.change",
          targetType: "remediation_plan",
          targetId: plan.id,
          after: {
            ...summaryOf(change),
            index,
            status: outcome.status,
            recovered: true,
            ...(outcome.ref ? { ref: outcome.ref } : {}),
            ...(outcome.note ? { note: outcome.note } : {}),
            ...(error ? { error } : {}),
          },
        },
        tx,
      );
    });
  }

  /**
   * Undoes the policies the plan created whose attachments did not all land (half of a
   * create-and-attach): detaches what was attached, then deletes the policy.
   */
  async function undoHalfCreatedPolicies(plan: RemediationPlan, journal: Map<number, JournalEntry>) {
    const status = (i: number) => journal.get(i)?.status;
    for (const [i, c] of plan.changes.entries()) {
      if (c.kind !== "scp_create" || status(i) !== "applied") continue;
      const policyId = journal.get(i)?.ref;
      if (!policyId) continue;
      const attaches = [...plan.changes.entries()].filter(
        ([, a]) => a.kind === "scp_attach" && a.policyId === undefined && a.name === c.name,
      );
      if (attaches.every(([j]) => status(j) === "applied")) continue;
      for (const [j, a] of attaches) {
        if (status(j) !== "applied" || a.kind !== "scp_attach") continue;
        await org().detachPolicy(policyId, a.target.id);
        await record(plan, j, { status: "rolled_back", ref: policyId, note: "detached: its policy is deleted" });
        journal.set(j, { ...(journal.get(j) as JournalEntry), status: "rolled_back" });
      }
      // Attachments made outside the plan are left alone, and so is the policy then.
      if ((await attachedTo(policyId)).length > 0) continue;
      await org().deletePolicy(policyId);
      await record(plan, i, {
        status: "rolled_back",
        ref: policyId,
        note: "deleted: not every attachment of the new policy landed",
      });
      journal.set(i, { ...(journal.get(i) as JournalEntry), status: "rolled_back", ref: policyId });
    }
  }

  /** Recovers one plan this process has taken over; returns its final status. */
  async function recoverPlan(id: string): Promise<RemediationPlan["status"]> {
    const plan = await repo.find(id);
    if (plan?.status !== "applying") return plan?.status ?? "failed";
    const journal = new Map((await repo.journal(id)).map((e) => [e.index, e]));
    const created = new Map<string, string>();
    for (const e of [...journal.values()].sort((x, y) => x.index - y.index)) {
      const change = plan.changes[e.index] as PlanChange;
      if (e.status === "started") {
        // An error reading AWS ends the recovery here; the next sweep tries again.
        const seen = await inspect(change, created);
        if (seen.landed === "unknown") {
          const error = { gate: "conflict", code: null, message: seen.undone ?? "changed outside the plan" };
          await record(plan, e.index, { status: "failed" }, error);
          journal.set(e.index, { ...e, status: "failed", error, recovered: true });
        } else {
          const status = seen.landed ? "applied" : "not_applied";
          await record(plan, e.index, {
            status,
            ...(seen.ref && seen.landed ? { ref: seen.ref } : {}),
            ...(seen.undone ? { note: seen.undone } : {}),
          });
          journal.set(e.index, { ...e, status, ref: seen.landed ? (seen.ref ?? null) : null, recovered: true });
        }
      }
      const now = journal.get(e.index) as JournalEntry;
      if (change.kind === "scp_create" && now.status === "applied" && now.ref) created.set(change.name, now.ref);
    }
    await undoHalfCreatedPolicies(plan, journal);

    const results: ChangeResult[] = plan.changes.map((c, index) => {
      const e = journal.get(index);
      return e ? resultOf(plan, e) : { index, kind: c.kind, status: "skipped" };
    });
    const count = (s: ChangeResult["status"]) => results.filter((r) => r.status === s).length;
    // rolled_back: nothing of the plan is left in AWS and nothing went wrong; else failed.
    const status =
      count("applied") === results.length
        ? "applied"
        : count("applied") === 0 && count("failed") === 0
          ? "rolled_back"
          : "failed";
    await deps.db.transaction(async (tx) => {
      await repo.finish(id, status, results, null, tx);
      await deps.audit.record(
        ctx,
        {
          action: "remediation.apply",
          targetType: "remediation_plan",
          targetId: id,
          before: { status: "applying" },
          after: {
            status,
            recovered: true,
            applied: count("applied"),
            failed: count("failed"),
            notApplied: count("not_applied"),
            rolledBack: count("rolled_back"),
            skipped: count("skipped"),
          },
        },
        tx,
      );
    });
    // Re-sync what the plan left changed in AWS, as an apply does.
    const changed = plan.changes.filter((_, i) => results[i]?.status === "applied");
    if (changed.length > 0) {
      const runIds: string[] = [];
      for (const req of syncRequestsFor(changed, await repo.orgTree())) {
        try {
          runIds.push(await deps.requestSync(ctx, req));
        } catch (err) {
          log.warn({ planId: id, req, err }, "could not start the verifying sync");
        }
      }
      if (runIds.length > 0) await repo.recordSyncRuns(id, runIds);
    }
    log.info({ planId: id, status }, "interrupted remediation apply recovered");
    return status;
  }

  return {
    recoverPlan,
    /**
     * Recovers every plan left `applying` by a process that is gone (its lease ran out). Safe in
     * any number of processes at once: each plan is taken over by exactly one of them.
     */
    async recoverAbandoned(): Promise<{ planId: string; status: string }[]> {
      const out: { planId: string; status: string }[] = [];
      for (const id of await repo.abandoned(clock.now(), 50)) {
        const owner = randomUUID();
        if (!(await repo.takeOver(id, clock.now(), lease.from(owner)))) continue;
        const held = lease.hold(id, owner);
        try {
          out.push({ planId: id, status: await recoverPlan(id) });
        } catch (err) {
          // The lease runs out again and the next sweep tries anew (e.g. AWS was unreachable).
          log.warn(
            { planId: id, err },
            "recovering an interrupted remediation apply failed; retried by the next sweep",
          );
        } finally {
          held.stop();
        }
      }
      return out;
    },
  };
}

export type RemediationRecovery = ReturnType<typeof createRemediationRecovery>;
