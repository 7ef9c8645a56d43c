import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { AuditService } from "../../modules/audit/audit.service.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, PageOf, PageQuery, StrictObject } from "../schemas.js";

const AuditEvent = Type.Object(
  {
    id: Type.String(),
    occurredAt: IsoDateTime(),
    actorType: Type.Union([Type.Literal("user"), Type.Literal("api_key"), Type.Literal("system")]),
    actorId: Type.String(),
    actorName: Type.Union([Type.String(), Type.Null()]),
    actorRoles: Type.Array(Type.String()),
    action: Type.String(),
    targetType: Type.String(),
    targetId: Type.Union([Type.String(), Type.Null()]),
    before: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    after: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    requestId: Type.Union([Type.String(), Type.Null()]),
    prevHash: Type.String({ description: "hash of the previous entry in the chain" }),
    hash: Type.String({ description: "sha256 over this entry's content and prevHash" }),
  },
  { title: "AuditEvent" },
);

const AuditVerification = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ minimum: 0, description: "entries checked" }),
    firstBroken: Type.Union([
      Type.Object({
        id: Type.String({ description: "audit event id where the chain first breaks" }),
        reason: Type.Union([
          Type.Literal("content_altered"),
          Type.Literal("link_broken"),
          Type.Literal("tail_missing"),
        ]),
        detail: Type.String(),
        previousId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      }),
      Type.Null(),
    ]),
    head: Type.Object(
      { id: Type.String(), hash: Type.String() },
      { description: "the chain head; anchor it elsewhere" },
    ),
  },
  { title: "AuditVerification" },
);

export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    "/audit-events/verify",
    {
      config: { auth: ["admin", "auditor"] },
      schema: {
        operationId: "verifyAuditChain",
        tags: ["audit"],
        summary: "Recompute the audit log's hash chain and report the first broken link",
        response: { 200: AuditVerification, ...errorResponses() },
      },
    },
    async (request) => audit.verify(callContext(request)),
  );

  app.get(
    "/audit-events",
    {
      config: { auth: ["admin", "auditor"] },
      schema: {
        operationId: "listAuditEvents",
        tags: ["audit"],
        summary: "Audit events, newest first, with filters",
        querystring: StrictObject({
          ...PageQuery,
          actorId: Type.Optional(Type.String({ maxLength: 512 })),
          action: Type.Optional(Type.String({ maxLength: 128 })),
          targetType: Type.Optional(Type.String({ maxLength: 64 })),
          targetId: Type.Optional(Type.String({ maxLength: 512 })),
          requestId: Type.Optional(Type.String({ maxLength: 128 })),
          from: Type.Optional(IsoDateTime("Inclusive lower bound of occurredAt")),
          to: Type.Optional(IsoDateTime("Exclusive upper bound of occurredAt")),
        }),
        response: { 200: PageOf(AuditEvent, "AuditEventPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor, from, to, ...filter } = request.query;
      return audit.list(
        callContext(request),
        { ...filter, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) },
        { limit, ...(cursor ? { cursor } : {}) },
      );
    },
  );
};
