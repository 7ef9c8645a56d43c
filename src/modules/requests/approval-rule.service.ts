// Approval rules: admins write them (audited), approvers and auditors read them.

import { randomUUID } from "node:crypto";
import type { Database } from "../../db/prisma.js";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { ApprovalRuleInput, ApprovalRuleView } from "./access-request.types.js";
import { type ApprovalRuleRepository, ruleSettings } from "./approval-rule.repository.js";
import { auditedEdits } from "./audited-edits.js";

const summary = (r: ApprovalRuleInput) => ({
  name: r.name,
  scope: r.scope,
  ...ruleSettings(r),
});

export function createApprovalRuleService(deps: {
  db: Database;
  repo: ApprovalRuleRepository;
  scopeKind: (id: string) => Promise<"root" | "ou" | "account" | undefined>;
  audit: AuditService;
  clock: Clock;
}) {
  const { db, repo, audit, clock } = deps;
  const edits = auditedEdits<ApprovalRuleView>({
    db,
    audit,
    noun: "approval rule",
    targetType: "approval_rule",
    find: (id, tx) => repo.find(id, tx),
    remove: (id, tx) => repo.remove(id, tx),
    summary,
  });

  function requireAdmin(ctx: CallContext) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("changing approval rules needs the admin role");
  }

  async function validate(r: ApprovalRuleInput) {
    if (r.approverRole === null && r.approverGroup === null)
      throw new UnprocessableError(
        "a rule names who approves: approverRole or approverGroup",
        [{ field: "body.approverRole", message: "approverRole or approverGroup is required" }],
        "NO_APPROVER",
      );
    if (r.approverRole !== null && !["admin", "approver"].includes(r.approverRole))
      throw new UnprocessableError(
        "approverRole must be approver or admin",
        [{ field: "body.approverRole", message: "must be approver or admin" }],
        "INVALID_APPROVER_ROLE",
      );
    if (r.autoApprove && r.requiredApprovals > 1)
      throw new UnprocessableError(
        "an auto-approving rule cannot require several approvals",
        [{ field: "body.autoApprove", message: "conflicts with requiredApprovals > 1" }],
        "CONTRADICTORY_RULE",
      );
    if (r.scope.kind !== "organization") {
      const kind = await deps.scopeKind(r.scope.id);
      const fits = r.scope.kind === "account" ? kind === "account" : kind === "ou" || kind === "root";
      if (!fits)
        throw new UnprocessableError(
          `${r.scope.id} is not ${r.scope.kind === "account" ? "an account" : "an OU"} of the organization`,
          [{ field: "body.scope.id", message: `unknown ${r.scope.kind}` }],
          "UNKNOWN_SCOPE",
        );
    }
  }

  return {
    async list(ctx: CallContext): Promise<ApprovalRuleView[]> {
      if (!hasRole(ctx.principal, "approver", "auditor"))
        throw new ForbiddenError("needs the approver or auditor role");
      return repo.list();
    },

    async get(ctx: CallContext, id: string): Promise<ApprovalRuleView> {
      if (!hasRole(ctx.principal, "approver", "auditor"))
        throw new ForbiddenError("needs the approver or auditor role");
      const found = await repo.find(id);
      if (!found) throw new NotFoundError(`approval rule ${id} not found`);
      return found;
    },

    async create(ctx: CallContext, r: ApprovalRuleInput): Promise<ApprovalRuleView> {
      requireAdmin(ctx);
      await validate(r);
      return db.transaction(async (tx) => {
        const created = await repo.insert(randomUUID(), r, ctx.principal.id, clock.now(), tx);
        await audit.record(
          ctx,
          {
            action: "approval_rule.create",
            targetType: "approval_rule",
            targetId: created.id,
            after: summary(created),
          },
          tx,
        );
        return created;
      });
    },

    async update(ctx: CallContext, id: string, r: ApprovalRuleInput, ifMatch?: number): Promise<ApprovalRuleView> {
      requireAdmin(ctx);
      await validate(r);
      return edits.update(ctx, id, ifMatch, (version, tx) =>
        repo.update(id, version, r, ctx.principal.id, clock.now(), tx),
      );
    },

    async remove(ctx: CallContext, id: string): Promise<void> {
      requireAdmin(ctx);
      await edits.remove(ctx, id);
    },
  };
}

export type ApprovalRuleService = ReturnType<typeof createApprovalRuleService>;
