// OpenAPI generated from the route schemas; served at /openapi.json and browsed at /docs.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const API_TAGS = [
  { name: "health", description: "Liveness and readiness" },
  { name: "meta", description: "API description" },
  { name: "auth", description: "Who am I, API keys" },
  { name: "console", description: "What the web console reads before sign-in; demo personas in sandbox mode" },
  { name: "audit", description: "The audit log of every mutating action" },
  {
    name: "inventory",
    description:
      "The organization inventory: accounts, model access per account-Region, history, sync runs, Region scopes",
  },
  { name: "catalog", description: "The approved-models catalog: versioned entries, YAML documents, diff and apply" },
  {
    name: "invocations",
    description: "Bedrock invocations from CloudTrail: ingestion, usage, access-denied bursts, unused grants",
  },
  { name: "reports", description: "Compliance reports (JSON, CSV, HTML, PDF) rendered as background jobs" },
  { name: "findings", description: "Drift between the catalog and the inventory, with a lifecycle" },
  {
    name: "remediation",
    description: "Plans of exact AWS changes (SCPs, agreements, use case) that close the drift, applied by an admin",
  },
  {
    name: "doctor",
    description: "The access doctor: why a principal can or cannot call a model, gate by gate, with the fix",
  },
  {
    name: "access-requests",
    description: "Model-access requests: filing, approval rules, decisions, provisioning, expiry",
  },
  { name: "webhooks", description: "Outgoing webhooks (HMAC-SHA256 signed) and their delivery log" },
];

export default fp(
  async function swaggerPlugin(app: FastifyInstance, opts: { docsUi: boolean; version: string }) {
    await app.register(swagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "bedrock-governor",
          version: opts.version,
          description:
            "Governs Amazon Bedrock model access across an AWS Organization. Errors are RFC 9457 problem+json with a stable `code` and the request id.",
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: "http", scheme: "bearer", description: "API key (bgk_…) or OIDC JWT" },
          },
        },
        security: [{ bearerAuth: [] }],
        tags: API_TAGS,
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}`,
      },
    });
    if (opts.docsUi) {
      await app.register(async (docs) => {
        // The UI's own routes (HTML, assets) are public like the spec they show.
        docs.addHook("onRoute", (route) => {
          route.config = { ...(route.config ?? {}), auth: "public" };
        });
        await docs.register(swaggerUi, { routePrefix: "/docs" });
      });
    }
  },
  { name: "swagger" },
);
