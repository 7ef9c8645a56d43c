// buildApp: registers plugins, then routes. Never listens; entry points and tests do that.
import { randomUUID } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { Logger } from "pino";
import type { Services } from "./composition.js";
import type { Config } from "./config.js";
import { packageVersion } from "./lib/package-root.js";
import authPlugin from "./plugins/auth.js";
import errorsPlugin from "./plugins/errors.js";
import { enforceRoutePolicy } from "./plugins/route-policy.js";
import swaggerPlugin from "./plugins/swagger.js";
import { auditRoutes } from "./routes/audit/index.js";
import { authRoutes } from "./routes/auth/index.js";
import { catalogRoutes } from "./routes/catalog/index.js";
import { policyRoutes } from "./routes/catalog/policies.js";
import { findingRoutes } from "./routes/findings/index.js";
import { healthRoutes } from "./routes/health/index.js";
import { inventoryRoutes } from "./routes/inventory/index.js";
import { systemRoutes } from "./routes/system/index.js";

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  services: Services;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp({ config, logger, services }: AppDeps) {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Accept a caller's X-Request-Id only when it is harmless to log; otherwise mint one.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logController: new LogController({ requestIdLogLabel: "requestId" }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true, allErrors: false } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  enforceRoutePolicy(app);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  await app.register(errorsPlugin);
  await app.register(swaggerPlugin, { docsUi: config.docsEnabled, version: packageVersion() });
  await app.register(authPlugin, { auth: services.auth });

  await app.register(healthRoutes, { health: services.health });
  await app.register(
    async (v1) => {
      await v1.register(authRoutes, { apiKeys: services.apiKeys });
      await v1.register(auditRoutes, { audit: services.audit });
      await v1.register(systemRoutes, { system: services.system });
      await v1.register(inventoryRoutes, { inventory: services.inventory, sync: services.sync });
      await v1.register(catalogRoutes, { catalog: services.catalog });
      await v1.register(policyRoutes, { policies: services.policies });
      await v1.register(findingRoutes, { reconcile: services.reconcile });
    },
    { prefix: "/v1" },
  );
  return app;
}
export type App = Awaited<ReturnType<typeof buildApp>>;
