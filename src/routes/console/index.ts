// What the web console needs before anyone signs in: how to sign in (OIDC client, sandbox mode)
// and, in sandbox mode only, the demo personas' API keys.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { OidcConfig } from "../../config.js";
import { NotFoundError } from "../../kernel/errors.js";
import { ROLES } from "../../kernel/principal.js";
import type { DemoPersonaService } from "../../modules/auth/demo-personas.service.js";
import { IsoDateTime, Nullable, publicErrorResponses } from "../schemas.js";

const ConsoleSettings = Type.Object(
  {
    sandbox: Type.Boolean({ description: "AWS calls go to the built-in sandbox: demo personas are offered" }),
    oidc: Nullable(
      Type.Object({
        issuer: Type.String(),
        clientId: Type.String({ description: "The console's public OAuth client (authorization code + PKCE)" }),
        audience: Type.String({ description: "The audience the API expects in access tokens" }),
      }),
    ),
  },
  { title: "ConsoleSettings" },
);

const DemoPersona = Type.Object(
  {
    role: Type.Enum(ROLES, { title: "Role" }),
    name: Type.String(),
    keyId: Type.String(),
    secret: Type.String({ description: "The API key (bgk_…) to send as a bearer token" }),
    expiresAt: IsoDateTime(),
  },
  { title: "DemoPersona" },
);

export const consoleRoutes: FastifyPluginAsyncTypebox<{
  sandbox: boolean;
  oidc: OidcConfig | undefined;
  demoPersonas: DemoPersonaService;
}> = async (app, { sandbox, oidc, demoPersonas }) => {
  app.get(
    "/console/settings",
    {
      config: { auth: "public" },
      schema: {
        operationId: "getConsoleSettings",
        tags: ["console"],
        summary: "How the web console signs people in (public: it is read before sign-in)",
        security: [],
        response: { 200: ConsoleSettings, ...publicErrorResponses() },
      },
    },
    async () => ({
      sandbox,
      oidc:
        oidc?.consoleClientId !== undefined
          ? { issuer: oidc.issuer, clientId: oidc.consoleClientId, audience: oidc.audience }
          : null,
    }),
  );

  app.post(
    "/sandbox/demo-personas",
    {
      config: { auth: "public" },
      schema: {
        operationId: "issueDemoPersonas",
        tags: ["console"],
        summary:
          "Sandbox mode only: one API key per role for the demo (minted once, reused while valid, expiring within 12 hours); 404 otherwise",
        security: [],
        response: {
          200: Type.Object({ personas: Type.Array(DemoPersona) }, { title: "DemoPersonas" }),
          ...publicErrorResponses(404),
        },
      },
    },
    async (request, reply) => {
      if (!sandbox) throw new NotFoundError("demo personas exist in sandbox mode only");
      const personas = await demoPersonas.personas(String(request.id));
      return reply.header("cache-control", "no-store").send({ personas });
    },
  );
};
