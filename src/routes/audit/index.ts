import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ValidationError } from "../../kernel/errors.js";
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
          Type.Literal("anchor_mismatch"),
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

const AuditHeadExport = Type.Object(
  {
    id: Type.String({ description: "id of the newest audit event" }),
    hash: Type.String({ description: "its chain hash" }),
    exportedAt: IsoDateTime(),
    signature: Type.Union([
      Type.Object({
        algorithm: Type.Literal("ed25519"),
        keyId: Type.String({ description: "first 16 hex digits of SHA-256 over the public key (DER)" }),
        publicKey: Type.String({ description: "SPKI PEM" }),
        value: Type.String({
          description: "base64 Ed25519 signature over `bedrock-governor audit head\\n<id>\\n<hash>\\n<exportedAt>`",
        }),
      }),
      Type.Null(),
    ]),
  },
  { title: "AuditHeadExport" },
);

const HexHash = Type.String({ pattern: "^[0-9a-f]{64}$" });

export const auditRoutes: FastifyPluginAsyncTypebox<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    "/audit-events/verify",
    {
      config: { auth: ["admin", "auditor"] },
      schema: {
        operationId: "verifyAuditChain",
        tags: ["audit"],
        summary: "Recompute the audit log's hash chain and report the first broken link",
        description:
          "Hashes are recomputed by the service itself, not by database code. With anchorId and anchorHash (a head exported earlier and kept elsewhere), also checks that the anchored event is still in the chain with that hash.",
        querystring: StrictObject({
          anchorId: Type.Optional(Type.String({ pattern: "^[0-9]{1,19}$" })),
          anchorHash: Type.Optional(HexHash),
        }),
        response: { 200: AuditVerification, ...errorResponses() },
      },
    },
    async (request) => {
      const { anchorId, anchorHash } = request.query;
      if ((anchorId === undefined) !== (anchorHash === undefined))
        throw new ValidationError("anchorId and anchorHash go together", [
          {
            field: anchorId === undefined ? "query.anchorId" : "query.anchorHash",
            message: "is required with the other",
          },
        ]);
      return audit.verify(
        callContext(request),
        anchorId !== undefined && anchorHash !== undefined ? { id: anchorId, hash: anchorHash } : undefined,
      );
    },
  );

  app.get(
    "/audit-events/head",
    {
      config: { auth: ["admin", "auditor"] },
      schema: {
        operationId: "exportAuditHead",
        tags: ["audit"],
        summary: "The audit chain's head, signed (Ed25519) when AUDIT_SIGNING_KEY_FILE is set, to anchor elsewhere",
        response: { 200: AuditHeadExport, ...errorResponses() },
      },
    },
    async (request) => audit.exportHead(callContext(request)),
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
