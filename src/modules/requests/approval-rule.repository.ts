// Storage of approval rules.
import type { Database, Tx } from "../../db/prisma.js";
import type { Prisma } from "../../generated/prisma/client.js";
import type { ApprovalRuleInput, ApprovalRuleView } from "./access-request.types.js";

type Row = Prisma.ApprovalRuleGetPayload<object>;

/** What a rule decides, besides its name and scope: the same fields in the input, the view and the row. */
type RuleSettings = Omit<ApprovalRuleInput, "name" | "scope">;

export const ruleSettings = (r: RuleSettings): RuleSettings => ({
  providerPattern: r.providerPattern,
  dataClassifications: r.dataClassifications,
  approverRole: r.approverRole,
  approverGroup: r.approverGroup,
  requiredApprovals: r.requiredApprovals,
  autoApprove: r.autoApprove,
  autoApply: r.autoApply,
  provisionVia: r.provisionVia,
});

function fromDb(r: Row): ApprovalRuleView {
  return {
    id: r.id,
    name: r.name,
    scope: r.scopeKind === "organization" ? { kind: "organization" } : { kind: r.scopeKind, id: r.scopeId as string },
    ...ruleSettings(r),
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    updatedBy: r.updatedBy,
  };
}

const toDb = (r: ApprovalRuleInput) => ({
  name: r.name,
  scopeKind: r.scope.kind,
  scopeId: r.scope.kind === "organization" ? null : r.scope.id,
  ...ruleSettings(r),
});

export function createApprovalRuleRepository(db: Database) {
  return {
    async list(tx?: Tx): Promise<ApprovalRuleView[]> {
      const rows = await (tx ?? db.client).approvalRule.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return rows.map(fromDb);
    },
    async find(id: string, tx?: Tx): Promise<ApprovalRuleView | undefined> {
      const row = await (tx ?? db.client).approvalRule.findUnique({ where: { id } });
      return row ? fromDb(row) : undefined;
    },
    async insert(id: string, r: ApprovalRuleInput, by: string, at: Date, tx: Tx): Promise<ApprovalRuleView> {
      return fromDb(
        await tx.approvalRule.create({ data: { id, ...toDb(r), createdAt: at, updatedAt: at, updatedBy: by } }),
      );
    },
    /** Replaces the rule when it is still at `version`; false when it moved on or is gone. */
    async update(id: string, version: number, r: ApprovalRuleInput, by: string, at: Date, tx: Tx): Promise<boolean> {
      const res = await tx.approvalRule.updateMany({
        where: { id, version },
        data: { ...toDb(r), updatedAt: at, updatedBy: by, version: { increment: 1 } },
      });
      return res.count === 1;
    },
    async remove(id: string, tx: Tx): Promise<boolean> {
      return (await tx.approvalRule.deleteMany({ where: { id } })).count === 1;
    },
  };
}

export type ApprovalRuleRepository = ReturnType<typeof createApprovalRuleRepository>;
