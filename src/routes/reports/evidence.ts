// A report's integrity evidence: its detached signature, the public key, and whether a hash is
// anchored in the audit log (what `bedrock-governor report verify --remote` asks).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ReportEvidenceService } from "../../modules/reports/report-evidence.service.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, StrictObject } from "../schemas.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Sha256 = Type.String({ pattern: "^[0-9a-f]{64}$", description: "SHA-256 in lowercase hex" });

const Statement = Type.Object(
  {
    type: Type.Literal("bedrock-governor.report/v1"),
    reportId: Type.String({ format: "uuid" }),
    format: Type.String(),
    sha256: Sha256,
    sizeBytes: Type.Integer({ minimum: 0 }),
    generatedAt: IsoDateTime(),
    keyId: Nullable(Type.String()),
  },
  {
    title: "ReportStatement",
    description: "What the signature covers: the UTF-8 bytes of this object as compact JSON, keys in this order",
  },
);

const SigningKey = Type.Object(
  {
    algorithm: Type.Literal("ed25519"),
    keyId: Nullable(Type.String({ description: "First 16 hex of SHA-256 over the public key's DER" })),
    publicKey: Nullable(Type.String({ description: "SPKI PEM; null when REPORT_SIGNING_KEY is not configured" })),
  },
  { title: "ReportSigningKey" },
);

const SignatureDocument = Type.Object(
  {
    statement: Statement,
    signature: Nullable(Type.String({ description: "Base64 Ed25519 signature; null when the report is unsigned" })),
    algorithm: Type.Literal("ed25519"),
    keyId: Nullable(Type.String()),
    publicKey: Nullable(Type.String({ description: "SPKI PEM of the signing key, when it is still configured" })),
  },
  { title: "ReportSignature" },
);

const Anchor = Type.Object({
  auditEventId: Type.String(),
  occurredAt: IsoDateTime(),
  reportId: Nullable(Type.String()),
  sha256: Sha256,
  sizeBytes: Nullable(Type.Integer()),
  format: Nullable(Type.String()),
  keyId: Nullable(Type.String()),
});

const HashVerification = Type.Object(
  {
    sha256: Sha256,
    anchored: Type.Boolean({ description: "A report.sign audit event records this hash" }),
    anchors: Type.Array(Anchor),
    chain: Type.Object({
      ok: Type.Boolean(),
      checked: Type.Integer(),
      firstBroken: Nullable(
        Type.Object(
          { id: Type.String(), reason: Type.String(), detail: Type.String() },
          { additionalProperties: true },
        ),
      ),
      head: Type.Object({ id: Type.String(), hash: Type.String() }),
    }),
  },
  { title: "ReportHashVerification" },
);

export const reportEvidenceRoutes: FastifyPluginAsyncTypebox<{ evidence: ReportEvidenceService }> = async (
  app,
  { evidence },
) => {
  app.get(
    "/reports/signing-key",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "getReportSigningKey",
        tags: ["reports"],
        summary: "The Ed25519 public key reports are signed with (REPORT_SIGNING_KEY)",
        response: { 200: SigningKey, ...errorResponses() },
      },
    },
    async (request) => evidence.signingKey(callContext(request)),
  );

  app.get(
    "/reports/verify",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "verifyReportHash",
        tags: ["reports"],
        summary: "Whether a report's SHA-256 is anchored in the audit log, and whether the audit chain is intact",
        querystring: StrictObject({ sha256: Type.String({ description: "SHA-256 of the report file, hex" }) }),
        response: { 200: HashVerification, ...errorResponses() },
      },
    },
    async (request) => evidence.verifyHash(callContext(request), request.query.sha256.toLowerCase()),
  );

  app.get(
    "/reports/:id/signature",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "getReportSignature",
        tags: ["reports"],
        summary: "A ready report's detached Ed25519 signature and the statement it covers",
        params: StrictObject({ id: Type.String({ format: "uuid" }) }),
        response: { 200: SignatureDocument, ...errorResponses(404, 409) },
      },
    },
    async (request) => evidence.signature(callContext(request), request.params.id),
  );
};
