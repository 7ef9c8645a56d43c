// Remediation plans, and what planning reads from the inventory: the organization tree and its SCPs.
import type { Database, Tx } from "../../db/prisma.js";
import type { RemediationPlan as PlanRow } from "../../generated/prisma/client.js";
import type {
  ChangeResult,
  PlanChange,
  PlanFilter,
  PlanInputs,
  PlanOverride,
  PlanScope,
  PlanStatus,
  RemediationPlan,
  RolloutReport,
  Unresolved,
} from "./remediation.types.js";
import type { OrgTreeNode, ScpOnTarget } from "./scp-plan.js";

function toPlan(row: PlanRow): RemediationPlan {
  return {
    id: row.id,
    scope: row.scope as unknown as PlanScope,
    status: row.status as PlanStatus,
    fingerprint: row.fingerprint,
    changes: row.changes as unknown as PlanChange[],
    unresolved: row.unresolved as unknown as Unresolved[],
    inputs: row.inputs as unknown as PlanInputs,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    appliedBy: row.appliedBy,
    appliedAt: row.appliedAt?.toISOString() ?? null,
    results: (row.results as unknown as ChangeResult[] | null) ?? null,
    syncRunIds: row.syncRunIds,
    override: (row.override as unknown as PlanOverride | null) ?? null,
    rollout: (row.rollout as unknown as RolloutReport | null) ?? null,
  };
}

const json = (v: unknown) => v as object;

/** Who holds an applying plan, and until when (renewed while the apply runs). */
export interface ApplyLease {
  owner: string;
  until: Date;
}

export type JournalStatus = "started" | "applied" | "failed" | "not_applied" | "rolled_back";

/** One change of the apply journal. */
export interface JournalEntry {
  index: number;
  kind: string;
  status: JournalStatus;
  ref: string | null;
  error: ChangeResult["error"] | null;
  recovered: boolean;
}

export function createRemediationRepository(db: Database) {
  const client = db.client;
  return {
    async insert(
      plan: Omit<
        RemediationPlan,
        "status" | "appliedBy" | "appliedAt" | "results" | "syncRunIds" | "override" | "rollout"
      >,
      tx: Tx,
    ): Promise<RemediationPlan> {
      const row = await tx.remediationPlan.create({
        data: {
          id: plan.id,
          scope: json(plan.scope),
          fingerprint: plan.fingerprint,
          changes: json(plan.changes),
          unresolved: json(plan.unresolved),
          inputs: json(plan.inputs),
          createdBy: plan.createdBy,
          createdAt: new Date(plan.createdAt),
          syncRunIds: [],
        },
      });
      return toPlan(row);
    },

    async find(id: string): Promise<RemediationPlan | undefined> {
      const row = await client.remediationPlan.findUnique({ where: { id } });
      return row ? toPlan(row) : undefined;
    },

    /** Newest first, keyset on (created_at, id). */
    async list(
      limit: number,
      after?: { createdAt: Date; id: string },
      filter: PlanFilter = {},
    ): Promise<RemediationPlan[]> {
      const rows = await client.remediationPlan.findMany({
        where: {
          ...(after
            ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
            : {}),
          ...(filter.status ? { status: filter.status } : {}),
          // A plan with no changes has nothing for anyone to apply.
          ...(filter.hasChanges ? { NOT: { changes: { equals: [] } } } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return rows.map(toPlan);
    },

    /**
     * planned → applying, under the caller's lease; false when another apply got there first or the
     * plan is not planned.
     */
    async claim(
      id: string,
      by: string,
      at: Date,
      override: PlanOverride | null,
      lease: ApplyLease,
      tx: Tx,
    ): Promise<boolean> {
      const { count } = await tx.remediationPlan.updateMany({
        where: { id, status: "planned" },
        data: {
          status: "applying",
          appliedBy: by,
          appliedAt: at,
          leaseOwner: lease.owner,
          leaseUntil: lease.until,
          ...(override ? { override: json(override) } : {}),
        },
      });
      return count === 1;
    },

    /** Extends the caller's lease on an applying plan; false when the lease is not the caller's any more. */
    async renewLease(id: string, lease: ApplyLease, tx?: Tx): Promise<boolean> {
      const { count } = await (tx ?? client).remediationPlan.updateMany({
        where: { id, status: "applying", leaseOwner: lease.owner },
        data: { leaseUntil: lease.until },
      });
      return count === 1;
    },

    /** Applying plans whose lease has run out (their applier is gone), oldest lease first. */
    async abandoned(now: Date, limit: number): Promise<string[]> {
      const rows = await client.remediationPlan.findMany({
        where: { status: "applying", OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
        orderBy: [{ leaseUntil: "asc" }],
        select: { id: true },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    /** Takes over an abandoned plan (its lease expired); false when another process took it first. */
    async takeOver(id: string, now: Date, lease: ApplyLease): Promise<boolean> {
      const { count } = await client.remediationPlan.updateMany({
        where: { id, status: "applying", OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
        data: { leaseOwner: lease.owner, leaseUntil: lease.until },
      });
      return count === 1;
    },

    /** The journal row of a change about to be made (written before its AWS call). */
    async startChange(planId: string, index: number, kind: string, at: Date, tx: Tx): Promise<void> {
      await tx.remediationPlanChange.create({ data: { planId, index, kind, startedAt: at } });
    },

    /** The outcome of a journalled change. */
    async finishChange(
      planId: string,
      index: number,
      outcome: { status: JournalStatus; ref?: string; error?: unknown; recovered?: boolean },
      at: Date,
      tx: Tx,
    ): Promise<void> {
      await tx.remediationPlanChange.update({
        where: { planId_index: { planId, index } },
        data: {
          status: outcome.status,
          ref: outcome.ref ?? null,
          ...(outcome.error !== undefined ? { error: json(outcome.error) } : {}),
          recovered: outcome.recovered ?? false,
          finishedAt: at,
        },
      });
    },

    async journal(planId: string): Promise<JournalEntry[]> {
      const rows = await client.remediationPlanChange.findMany({ where: { planId }, orderBy: { index: "asc" } });
      return rows.map((r) => ({
        index: r.index,
        kind: r.kind,
        status: r.status,
        ref: r.ref,
        error: (r.error as ChangeResult["error"] | null) ?? null,
        recovered: r.recovered,
      }));
    },

    /** Per-change results so far (a staged rollout records its first stage before going on). */
    async recordProgress(id: string, results: ChangeResult[], rollout: RolloutReport | null, tx: Tx): Promise<void> {
      await tx.remediationPlan.update({
        where: { id },
        data: { results: json(results), ...(rollout ? { rollout: json(rollout) } : {}) },
      });
    },

    async finish(
      id: string,
      status: "applied" | "failed" | "rolled_back",
      results: ChangeResult[],
      rollout: RolloutReport | null,
      tx: Tx,
    ): Promise<void> {
      await tx.remediationPlan.update({
        where: { id },
        data: {
          status,
          results: json(results),
          leaseOwner: null,
          leaseUntil: null,
          ...(rollout ? { rollout: json(rollout) } : {}),
        },
      });
    },

    async recordSyncRuns(id: string, runIds: string[]): Promise<void> {
      await client.remediationPlan.update({ where: { id }, data: { syncRunIds: runIds } });
    },

    /** Root, OUs and accounts currently in the organization, with their parents. */
    async orgTree(): Promise<OrgTreeNode[]> {
      const [nodes, accounts] = await Promise.all([
        client.orgNode.findMany({ where: { removedAt: null }, select: { id: true, kind: true, parentId: true } }),
        client.account.findMany({ where: { leftAt: null }, select: { id: true, parentId: true, management: true } }),
      ]);
      return [
        ...nodes.map((n) => ({
          id: n.id,
          kind: n.kind === "root" ? ("root" as const) : ("ou" as const),
          parentId: n.parentId,
        })),
        ...accounts.map((a) => ({
          id: a.id,
          kind: "account" as const,
          parentId: a.parentId,
          management: a.management,
        })),
      ];
    },

    /** Every SCP of the organization with its targets, as the last sync saw them. */
    async scps(): Promise<ScpOnTarget[]> {
      const rows = await client.orgPolicy.findMany({
        where: { type: "SERVICE_CONTROL_POLICY", removedAt: null },
        include: { attachments: { select: { targetId: true } } },
        orderBy: { id: "asc" },
      });
      return rows.map((p) => ({
        id: p.id,
        name: p.name,
        content: p.content,
        awsManaged: p.awsManaged,
        targets: p.attachments.map((a) => a.targetId),
      }));
    },
  };
}

export type RemediationRepository = ReturnType<typeof createRemediationRepository>;
