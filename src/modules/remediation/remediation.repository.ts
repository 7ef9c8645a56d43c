// Remediation plans, and what planning reads from the inventory: the organization tree and its SCPs.
import type { Database, Tx } from "../../db/prisma.js";
import type { RemediationPlan as PlanRow } from "../../generated/prisma/client.js";
import type {
  ChangeResult,
  PlanChange,
  PlanInputs,
  PlanScope,
  PlanStatus,
  RemediationPlan,
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
  };
}

const json = (v: unknown) => v as object;

export function createRemediationRepository(db: Database) {
  const client = db.client;
  return {
    async insert(
      plan: Omit<RemediationPlan, "status" | "appliedBy" | "appliedAt" | "results" | "syncRunIds">,
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
    async list(limit: number, after?: { createdAt: Date; id: string }): Promise<RemediationPlan[]> {
      const rows = await client.remediationPlan.findMany({
        where: after
          ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
          : {},
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return rows.map(toPlan);
    },

    /** planned → applying; false when another apply got there first or the plan is not planned. */
    async claim(id: string, by: string, at: Date, tx: Tx): Promise<boolean> {
      const { count } = await tx.remediationPlan.updateMany({
        where: { id, status: "planned" },
        data: { status: "applying", appliedBy: by, appliedAt: at },
      });
      return count === 1;
    },

    async finish(id: string, status: "applied" | "failed", results: ChangeResult[], tx: Tx): Promise<void> {
      await tx.remediationPlan.update({ where: { id }, data: { status, results: json(results) } });
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
