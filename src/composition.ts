// The composition root: builds every repository and service once, from config and a database.
import type { Logger } from "pino";
import type { AwsAccess } from "./aws/aws-access.js";
import type { Config } from "./config.js";
import type { MigrationScript } from "./db/migrator.js";
import type { Database } from "./db/prisma.js";
import type { JobQueue } from "./jobs/queue.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { createAuditRepository } from "./modules/audit/audit.repository.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createApiKeyRepository } from "./modules/auth/api-key.repository.js";
import { createApiKeyService } from "./modules/auth/api-key.service.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createJwtVerifier } from "./modules/auth/jwt-verifier.js";
import { createCatalogRepository } from "./modules/catalog/catalog.repository.js";
import { createCatalogService } from "./modules/catalog/catalog.service.js";
import { createPolicyService } from "./modules/catalog/policy.service.js";
import { createPolicyFactsRepository } from "./modules/catalog/policy-facts.repository.js";
import { createHealthRepository } from "./modules/health/health.repository.js";
import { createHealthService } from "./modules/health/health.service.js";
import { createAccountRegionRepository } from "./modules/inventory/account-region.repository.js";
import { createAccountRegionReader } from "./modules/inventory/account-region-sync.service.js";
import { createDiscoveryService } from "./modules/inventory/discovery.service.js";
import { createInventoryQueryRepository } from "./modules/inventory/inventory-query.repository.js";
import { createInventoryQueryService } from "./modules/inventory/inventory-query.service.js";
import { createOrgRepository } from "./modules/inventory/org.repository.js";
import { createSyncService } from "./modules/inventory/sync.service.js";
import { createSyncRunRepository } from "./modules/inventory/sync-run.repository.js";
import { createFindingsRepository } from "./modules/reconcile/findings.repository.js";
import { createReconcileService } from "./modules/reconcile/reconcile.service.js";
import { createReconcileInputRepository } from "./modules/reconcile/reconcile-input.repository.js";
import { createSystemService } from "./modules/system/system.service.js";
import type { SystemEnvironment } from "./modules/system/system.types.js";

export interface ServiceDeps {
  config: Readonly<Config>;
  db: Database;
  migrations: MigrationScript[];
  log: Logger;
  aws: AwsAccess;
  environment: SystemEnvironment;
  queue: JobQueue;
  /** Inventory Regions when INVENTORY_REGIONS is unset (the sandbox's, in sandbox mode). */
  fallbackRegions?: string[];
  clock?: Clock;
}

/** Commercial Regions where Bedrock is most used; INVENTORY_REGIONS or per-OU scopes override. */
export const DEFAULT_INVENTORY_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"];

export function createServices(deps: ServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const client = deps.db.client;
  const audit = createAuditService({ repo: createAuditRepository(client) });
  const apiKeys = createApiKeyService({ db: deps.db, repo: createApiKeyRepository(client), audit, clock });
  const auth = createAuthService({ apiKeys, jwt: deps.config.oidc ? createJwtVerifier(deps.config.oidc) : undefined });
  const system = createSystemService({ environment: deps.environment });
  const health = createHealthService({
    repo: createHealthRepository(client),
    migrations: deps.migrations,
    environment: deps.environment,
  });
  const org = createOrgRepository(client);
  const defaultRegions = deps.config.inventory.regions ?? deps.fallbackRegions ?? DEFAULT_INVENTORY_REGIONS;
  // Reconciliation follows every finished sync run (bound below, once that service exists).
  let afterRun: (runId: string) => Promise<void> = async () => undefined;
  const sync = createSyncService({
    onRunFinished: (runId) => afterRun(runId),
    db: deps.db,
    runs: createSyncRunRepository(client),
    org,
    accountRegions: createAccountRegionRepository(client),
    discovery: createDiscoveryService({ aws: deps.aws }),
    reader: createAccountRegionReader({ aws: deps.aws }),
    queue: deps.queue,
    audit,
    clock,
    log: deps.log.child({ component: "sync" }),
    settings: {
      defaultRegions,
      jobTimeoutSeconds: deps.config.inventory.syncJobTimeoutSeconds,
      concurrency: deps.config.inventory.syncConcurrency,
      cron: deps.config.inventory.syncCron,
    },
  });
  const inventory = createInventoryQueryService({
    db: deps.db,
    repo: createInventoryQueryRepository(client, { defaultRegions }),
    audit,
  });
  const catalog = createCatalogService({ db: deps.db, repo: createCatalogRepository(client), audit, clock });
  const policies = createPolicyService({ catalog, facts: createPolicyFactsRepository(client), clock });
  const reconcile = createReconcileService({
    db: deps.db,
    catalog,
    inputs: createReconcileInputRepository(client),
    findings: createFindingsRepository(client),
    audit,
    clock,
    log: deps.log.child({ component: "reconcile" }),
    queue: deps.queue,
    settings: { legacyWindowDays: deps.config.reconcile.legacyWindowDays },
  });
  afterRun = (runId) => reconcile.requestRun({ runId });
  return { audit, apiKeys, auth, health, system, sync, inventory, catalog, policies, reconcile, aws: deps.aws, clock };
}

export type Services = ReturnType<typeof createServices>;
