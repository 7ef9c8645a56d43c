// Approval rules: who decides which requests, how many approvals, what is automatic.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "typebox";
import type { ApprovalRuleInput, ApprovalRuleView } from "../../modules/requests/access-request.types.js";
import type { ApprovalRuleService } from "../../modules/requests/approval-rule.service.js";
import { callContext } from "../../plugins/auth.js";
import { ApprovalRule, ApprovalRuleBody, parseIfMatch, UuidParams } from "../access-requests/schemas.js";
import { errorResponses } from "../schemas.js";

type Body = Static<typeof ApprovalRuleBody>;

const toInput = (b: Body): ApprovalRuleInput => ({
  name: b.name,
  scope: b.scope,
  providerPattern: b.providerPattern,
  dataClassifications: b.dataClassifications,
  approverRole: b.approverRole,
  approverGroup: b.approverGroup,
  requiredApprovals: b.requiredApprovals,
  autoApprove: b.autoApprove,
  autoApply: b.autoApply,
  provisionVia: b.provisionVia,
});

const view = (r: ApprovalRuleView) => r;

export const approvalRuleRoutes: FastifyPluginAsyncTypebox<{ rules: ApprovalRuleService }> = async (app, { rules }) => {
  app.get(
    "/approval-rules",
    {
      config: { auth: ["approver", "auditor"] },
      schema: {
        operationId: "listApprovalRules",
        tags: ["access-requests"],
        response: {
          200: Type.Object({ items: Type.Array(ApprovalRule) }, { title: "ApprovalRuleList" }),
          ...errorResponses(),
        },
      },
    },
    async (request) => ({ items: (await rules.list(callContext(request))).map(view) }),
  );

  app.get(
    "/approval-rules/:id",
    {
      config: { auth: ["approver", "auditor"] },
      schema: {
        operationId: "getApprovalRule",
        tags: ["access-requests"],
        params: UuidParams,
        response: { 200: ApprovalRule, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const r = await rules.get(callContext(request), request.params.id);
      return reply.header("etag", `"${r.version}"`).send(r);
    },
  );

  app.post(
    "/approval-rules",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "createApprovalRule",
        tags: ["access-requests"],
        summary: "Add a rule (the most specific rule covering an account governs its requests)",
        body: ApprovalRuleBody,
        response: { 201: ApprovalRule, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const created = await rules.create(callContext(request), toInput(request.body));
      return reply.code(201).header("etag", `"${created.version}"`).send(created);
    },
  );

  app.put(
    "/approval-rules/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "putApprovalRule",
        tags: ["access-requests"],
        params: UuidParams,
        headers: Type.Object({ "if-match": Type.Optional(Type.String()) }),
        body: ApprovalRuleBody,
        response: { 200: ApprovalRule, ...errorResponses(404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const ifMatch = parseIfMatch(request.headers["if-match"]);
      const updated = await rules.update(callContext(request), request.params.id, toInput(request.body), ifMatch);
      return reply.header("etag", `"${updated.version}"`).send(updated);
    },
  );

  app.delete(
    "/approval-rules/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "deleteApprovalRule",
        tags: ["access-requests"],
        params: UuidParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await rules.remove(callContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
