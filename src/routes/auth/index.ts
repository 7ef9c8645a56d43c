import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { ROLES } from "../../kernel/principal.js";
import type { ApiKeyService } from "../../modules/auth/api-key.service.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, PageOf, PageQuery, StrictObject } from "../schemas.js";

const RoleSchema = Type.Enum(ROLES, { title: "Role" });

const ApiKey = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    role: RoleSchema,
    keyId: Type.String({ description: "Public part of the key: bgk_<keyId>_…" }),
    createdBy: Type.String(),
    owner: Type.Union([Type.String(), Type.Null()], {
      description: "The person the key acts for (separation of duties compares persons); null for a service key",
    }),
    service: Type.Boolean({ description: "Acts for nobody: may call the API, never approves or rejects" }),
    createdAt: IsoDateTime(),
    expiresAt: Type.Union([IsoDateTime(), Type.Null()]),
    revokedAt: Type.Union([IsoDateTime(), Type.Null()]),
    revokedBy: Type.Union([Type.String(), Type.Null()]),
    lastUsedAt: Type.Union([IsoDateTime(), Type.Null()]),
    status: Type.Union([Type.Literal("active"), Type.Literal("expired"), Type.Literal("revoked")]),
  },
  { title: "ApiKey" },
);

const Principal = Type.Object(
  {
    kind: Type.Union([Type.Literal("user"), Type.Literal("api_key"), Type.Literal("system")]),
    id: Type.String(),
    person: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: "The person acting; null for service keys" }),
    ),
    name: Type.String(),
    roles: Type.Array(RoleSchema),
    groups: Type.Array(Type.String()),
  },
  { title: "Principal" },
);

const IdParams = StrictObject({ id: Type.String({ format: "uuid" }) });

export const authRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (app, { apiKeys }) => {
  app.get(
    "/me",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getCurrentPrincipal",
        tags: ["auth"],
        summary: "Who the presented credentials belong to, and their roles",
        response: { 200: Principal, ...errorResponses() },
      },
    },
    async (request) => callContext(request).principal,
  );

  app.post(
    "/api-keys",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "createApiKey",
        tags: ["auth"],
        summary: "Create an API key; the secret is in this response only",
        body: StrictObject({
          name: Type.String({ minLength: 1, maxLength: 100, pattern: "^[\\w .@:/-]+$" }),
          role: RoleSchema,
          expiresAt: Type.Optional(IsoDateTime("When the key stops working (optional)")),
          owner: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 400,
              pattern: "^[\\x21-\\x7e]+$",
              description: "The person the key acts for (principal id or OIDC subject); default: the caller",
            }),
          ),
          service: Type.Optional(
            Type.Boolean({ description: "A service key: acts for nobody and can never approve or reject" }),
          ),
        }),
        response: {
          201: Type.Object(
            { apiKey: ApiKey, secret: Type.String({ description: "Shown once" }) },
            { title: "CreatedApiKey" },
          ),
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const { name, role, expiresAt, owner, service } = request.body;
      const created = await apiKeys.create(callContext(request), {
        name,
        role,
        ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}),
        ...(owner !== undefined ? { owner } : {}),
        ...(service !== undefined ? { service } : {}),
      });
      return reply.status(201).header("cache-control", "no-store").send(created);
    },
  );

  app.get(
    "/api-keys",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "listApiKeys",
        tags: ["auth"],
        summary: "API keys, newest first (secrets are never shown again)",
        querystring: StrictObject(PageQuery),
        response: { 200: PageOf(ApiKey, "ApiKeyPage"), ...errorResponses() },
      },
    },
    async (request) => apiKeys.list(callContext(request), request.query),
  );

  app.get(
    "/api-keys/:id",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "getApiKey",
        tags: ["auth"],
        params: IdParams,
        response: { 200: ApiKey, ...errorResponses(404) },
      },
    },
    async (request) => apiKeys.get(callContext(request), request.params.id),
  );

  app.post(
    "/api-keys/:id/revoke",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "revokeApiKey",
        tags: ["auth"],
        summary: "Revoke an API key at once (kept for the record)",
        params: IdParams,
        response: { 200: ApiKey, ...errorResponses(404, 409) },
      },
    },
    async (request) => apiKeys.revoke(callContext(request), request.params.id),
  );
};
