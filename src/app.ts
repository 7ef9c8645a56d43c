// buildApp: registers plugins, then routes. Never listens; entry points and tests do that.
import { randomUUID } from "node:crypto";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import type { Logger } from "pino";
import type { Services } from "./composition.js";
import type { Config } from "./config.js";
import { ValidationError } from "./kernel/errors.js";
import { packageVersion } from "./lib/package-root.js";
import { fixedFieldsLogger } from "./logger.js";
import abuseLimitsPlugin from "./plugins/abuse-limits.js";
import authPlugin from "./plugins/auth.js";
import { createConsoleSite } from "./plugins/console.js";
import errorsPlugin, { frameworkError } from "./plugins/errors.js";
import { traceHttpRequests } from "./plugins/http-tracing.js";
import { guardInput } from "./plugins/input-guard.js";
import { enforceRoutePolicy } from "./plugins/route-policy.js";
import swaggerPlugin from "./plugins/swagger.js";
import { accessRequestRoutes } from "./routes/access-requests/index.js";
import { aibomRoutes } from "./routes/aibom/index.js";
import { approvalRuleRoutes } from "./routes/approval-rules/index.js";
import { auditRoutes } from "./routes/audit/index.js";
import { authRoutes } from "./routes/auth/index.js";
import { catalogRoutes } from "./routes/catalog/index.js";
import { policyRoutes } from "./routes/catalog/policies.js";
import { catalogSchemaRoutes } from "./routes/catalog/schema.js";
import { consoleRoutes } from "./routes/console/index.js";
import { doctorRoutes } from "./routes/doctor/index.js";
import { findingRoutes } from "./routes/findings/index.js";
import { healthRoutes } from "./routes/health/index.js";
import { inventoryRoutes } from "./routes/inventory/index.js";
import { invocationRoutes } from "./routes/invocations/index.js";
import { metricsRoutes } from "./routes/metrics/index.js";
import { reachabilityRoutes } from "./routes/reachability/index.js";
import { remediationRoutes } from "./routes/remediation/index.js";
import { reportEvidenceRoutes } from "./routes/reports/evidence.js";
import { reportRoutes } from "./routes/reports/index.js";
import { reportScheduleRoutes } from "./routes/reports/schedules.js";
import { systemRoutes } from "./routes/system/index.js";
import { webhookRoutes } from "./routes/webhooks/index.js";

export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  services: Services;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One access-log line per request (method, URL, status, time) instead of Fastify's two: every line
 * goes through redaction, and under load logging was the largest cost of a request after the query.
 */
class AccessLogController extends LogController {
  /** The access line's fields are fixed and secret-free: written without the redaction walk. */
  constructor(private readonly access: Logger) {
    super({ requestIdLogLabel: "requestId" });
  }

  override incomingRequest(): void {}

  override requestCompleted(...[error, request, reply]: Parameters<LogController["requestCompleted"]>): void {
    if (this.isLogDisabled(request)) return;
    // An error can carry anything: its line goes through the request's (redacting) logger.
    if (error)
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, "request errored");
    else if (this.access.isLevelEnabled("info"))
      this.access.info(
        { requestId: request.id, req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime },
        "request completed",
      );
  }
}

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
    logController: new AccessLogController(fixedFieldsLogger(logger)),
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: "array",
        useDefaults: true,
        allErrors: false,
        discriminator: true,
      },
    },
    // The Ajv validators a response serializer uses to pick an anyOf/oneOf branch are compiled
    // when the routes are built, not on the first response that reaches them (tens of ms on the
    // event loop in the middle of a request otherwise).
    serializerOpts: { compileValidators: true },
    return503OnClosing: true,
    connectionTimeout: config.security.connectionTimeoutMs,
    requestTimeout: config.security.requestTimeoutMs,
    frameworkErrors: frameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  enforceRoutePolicy(app);
  traceHttpRequests(app);
  app.addHook("preValidation", guardInput);
  // Schema coercion turns a query value such as `1e309` into Infinity, which passes an integer
  // check: no finite bound or page size can come from it.
  app.addHook("preHandler", async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    for (const [name, value] of Object.entries(query ?? {}))
      if (typeof value === "number" && !Number.isFinite(value))
        throw new ValidationError(`querystring/${name} must be a finite number`, [
          { field: `query.${name}`, message: "must be a finite number" },
        ]);
  });
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // Latency by route pattern (never the raw URL: ids would make a series per resource).
  const { metrics } = services;
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  const consoleSite = createConsoleSite(config.consoleDir, config.oidc?.issuer);
  await app.register(errorsPlugin, { notFoundFallback: consoleSite.fallback });
  await app.register(swaggerPlugin, { docsUi: config.docsEnabled, version: packageVersion() });
  await app.register(authPlugin, { auth: services.auth });
  await app.register(abuseLimitsPlugin, { security: config.security });

  await app.register(consoleSite.plugin);
  await app.register(healthRoutes, { health: services.health });
  // With METRICS_PORT set, metrics are served on that port only (src/main/metrics-listener.ts).
  await app.register(metricsRoutes, {
    metrics,
    settings: { ...config.metrics, enabled: config.metrics.enabled && config.metrics.port === undefined },
  });
  await app.register(
    async (v1) => {
      await v1.register(authRoutes, { apiKeys: services.apiKeys });
      await v1.register(consoleRoutes, {
        sandbox: config.aws.target === "sandbox",
        oidc: config.oidc,
        demoPersonas: services.demoPersonas,
      });
      await v1.register(auditRoutes, { audit: services.audit });
      await v1.register(systemRoutes, { system: services.system, preflight: services.preflight });
      await v1.register(inventoryRoutes, { inventory: services.inventory, sync: services.sync });
      await v1.register(catalogRoutes, { catalog: services.catalog });
      await v1.register(catalogSchemaRoutes);
      await v1.register(policyRoutes, { policies: services.policies });
      await v1.register(findingRoutes, { reconcile: services.reconcile });
      await v1.register(invocationRoutes, { invocations: services.invocations });
      await v1.register(reportRoutes, { reports: services.reports });
      await v1.register(aibomRoutes, { aibom: services.aibom });
      await v1.register(reportEvidenceRoutes, { evidence: services.reportEvidence });
      await v1.register(reportScheduleRoutes, { schedules: services.reportSchedules });
      await v1.register(remediationRoutes, { remediation: services.remediation });
      await v1.register(doctorRoutes, { doctor: services.doctor });
      await v1.register(reachabilityRoutes, { reachability: services.reachability });
      await v1.register(accessRequestRoutes, {
        requests: services.accessRequests,
        provisioning: services.provisioning,
      });
      await v1.register(approvalRuleRoutes, { rules: services.approvalRules });
      await v1.register(webhookRoutes, { webhooks: services.webhooks });
    },
    { prefix: "/v1" },
  );
  return app;
}
export type App = Awaited<ReturnType<typeof buildApp>>;
