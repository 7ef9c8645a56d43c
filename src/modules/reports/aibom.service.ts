// The AI bill of materials (CycloneDX 1.6 ML-BOM) of the approved catalog and the live inventory,
// for a scope. Every document is validated against the CycloneDX 1.6 JSON schema before it leaves:
// an invalid BOM is a bug of ours (a 500 with the schema errors in the log), never served.
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { ForbiddenError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { buildAibom } from "./aibom.js";
import { type AibomRepository, createAibomRepository } from "./aibom.repository.js";
import { type BomValidator, createBomValidator } from "./aibom-validator.js";
import { resolveScope } from "./report-scope.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { ReportScope } from "./reports.types.js";

/** Invocations of the last this many days count a model as used. */
export const AIBOM_USAGE_DAYS = 30;

export function createAibomService(deps: {
  repo: AibomRepository;
  reports: ReportsRepository;
  facts: PolicyFactsRepository;
  catalog: CatalogService;
  validator: BomValidator;
  clock: Clock;
  log: Logger;
  toolVersion: string;
}) {
  return {
    /** The BOM as CycloneDX 1.6 JSON text (viewer or auditor). */
    async export(ctx: CallContext, scope: ReportScope = { kind: "organization" }): Promise<string> {
      if (!hasRole(ctx.principal, "viewer", "auditor"))
        throw new ForbiddenError("the AI bill of materials needs the viewer or auditor role");
      const resolved = await resolveScope(scope, deps.reports, deps.facts);
      if (resolved === undefined)
        throw new UnprocessableError(
          `${scope.kind} ${scope.kind === "organization" ? "" : scope.id} is not in the inventory`,
          [{ field: "querystring.scope", message: "unknown OU or account" }],
          "SCOPE_UNKNOWN",
        );
      const accountIds = resolved.accountIds ?? null;
      const now = deps.clock.now();
      const from = new Date(now.getTime() - AIBOM_USAGE_DAYS * 86_400_000);
      const [catalog, organization, models, deployments] = await Promise.all([
        deps.catalog.list(ctx),
        deps.repo.organization(),
        deps.repo.models(accountIds),
        deps.repo.deployments(from, now, accountIds),
      ]);
      const scopeIds = resolved.scopeIds;
      const json = buildAibom({
        generatedAt: now,
        toolVersion: deps.toolVersion,
        organization,
        scope,
        catalog: catalog.filter(
          (v) => scopeIds === undefined || v.entry.scope.kind === "organization" || scopeIds.has(v.entry.scope.id),
        ),
        models,
        deployments,
        usageWindow: { from, to: now },
      });
      const errors = await deps.validator.validate(json);
      if (errors !== null) {
        deps.log.error({ errors }, "the AI bill of materials does not validate against CycloneDX 1.6");
        throw new Error("the AI bill of materials does not validate against the CycloneDX 1.6 schema");
      }
      return json;
    },
  };
}

export type AibomService = ReturnType<typeof createAibomService>;

/** The service with its repository and its schema validator (a worker thread, started on first use). */
export function createAibom(
  deps: Omit<Parameters<typeof createAibomService>[0], "repo" | "validator" | "toolVersion"> & {
    db: Database;
    environment: { version: string };
  },
): AibomService {
  return createAibomService({
    ...deps,
    repo: createAibomRepository(deps.db),
    validator: createBomValidator(),
    toolVersion: deps.environment.version,
    log: deps.log.child({ component: "aibom" }),
  });
}
