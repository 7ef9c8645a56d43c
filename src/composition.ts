// The composition root: builds every repository and service once, from config and a database.
import type { Logger } from "pino";
import type { AwsAccess } from "./aws/aws-access.js";
import type { Config } from "./config.js";
import type { MigrationScript } from "./db/migrator.js";
import type { Database } from "./db/prisma.js";
import type { JobSet } from "./jobs/job.js";
import type { JobQueue } from "./jobs/queue.js";
import { createPrincipalIds } from "./kernel/principal-ids.js";
import { type Clock, systemClock } from "./lib/clock.js";
import type { Metrics } from "./lib/metrics.js";
import { createGuardedPost } from "./lib/outbound-http.js";
import { createSecretBox } from "./lib/secret-box.js";
import { createAuditRepository } from "./modules/audit/audit.repository.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createApiKeyRepository } from "./modules/auth/api-key.repository.js";
import { createApiKeyService } from "./modules/auth/api-key.service.js";
import { createApiKeyHasher } from "./modules/auth/api-key-hash.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createDemoPersonaService } from "./modules/auth/demo-personas.service.js";
import { createJwtVerifier } from "./modules/auth/jwt-verifier.js";
import { createCatalogRepository } from "./modules/catalog/catalog.repository.js";
import { createCatalogService } from "./modules/catalog/catalog.service.js";
import type { DesiredStateSource } from "./modules/catalog/catalog.types.js";
import { createPolicyService } from "./modules/catalog/policy.service.js";
import { createPolicyFactsRepository } from "./modules/catalog/policy-facts.repository.js";
import { createDoctorRepository } from "./modules/doctor/doctor.repository.js";
import { createDoctorService } from "./modules/doctor/doctor.service.js";
import { inventoryScpsFrom } from "./modules/doctor/inventory-scps.js";
import { createHealthRepository } from "./modules/health/health.repository.js";
import { createHealthService } from "./modules/health/health.service.js";
import { createAccountRegionRepository } from "./modules/inventory/account-region.repository.js";
import { createAccountRegionReader } from "./modules/inventory/account-region-sync.service.js";
import { createChangeHistoryRepository } from "./modules/inventory/change-history.repository.js";
import { createDiscoveryService } from "./modules/inventory/discovery.service.js";
import { createFactsReader } from "./modules/inventory/facts-reader.service.js";
import { createInventoryFactsRepository } from "./modules/inventory/inventory-facts.repository.js";
import { createInventoryQueryRepository } from "./modules/inventory/inventory-query.repository.js";
import { createInventoryQueryService } from "./modules/inventory/inventory-query.service.js";
import { createInventoryStateService } from "./modules/inventory/inventory-state.service.js";
import { createModelViewRepository } from "./modules/inventory/model-view.repository.js";
import { createOrgRepository } from "./modules/inventory/org.repository.js";
import { createRegionScopeRepository } from "./modules/inventory/region-scope.repository.js";
import { DEFAULT_INVENTORY_REGIONS } from "./modules/inventory/region-scopes.js";
import { createSyncJobs } from "./modules/inventory/sync.jobs.js";
import { createSyncService } from "./modules/inventory/sync.service.js";
import { createSyncRunRepository } from "./modules/inventory/sync-run.repository.js";
import { createAnalysisRepository } from "./modules/invocations/analysis.repository.js";
import { createIngestionRepository } from "./modules/invocations/ingestion.repository.js";
import { createInvocationEventsRepository } from "./modules/invocations/invocation-events.repository.js";
import { createInvocationsJobs } from "./modules/invocations/invocations.jobs.js";
import { createInvocationsService } from "./modules/invocations/invocations.service.js";
import { createFactsRepository } from "./modules/reachability/facts.repository.js";
import { createReachabilityService } from "./modules/reachability/reachability.service.js";
import { createVerdictsRepository } from "./modules/reachability/verdicts.repository.js";
import { createFindingsRepository } from "./modules/reconcile/findings.repository.js";
import { createReconcileJobs, reconcileAfterCatalogChange } from "./modules/reconcile/reconcile.jobs.js";
import { createReconcileService } from "./modules/reconcile/reconcile.service.js";
import { createRemediationJobs } from "./modules/remediation/remediation.jobs.js";
import { createRemediationRepository } from "./modules/remediation/remediation.repository.js";
import { createRemediationService } from "./modules/remediation/remediation.service.js";
import type { RemediationDeps } from "./modules/remediation/remediation-plan.js";
import { createRemediationRecovery } from "./modules/remediation/remediation-recovery.js";
import { createReportsDomain } from "./modules/reports/reports.composition.js";
import { createAccessRequestRepository } from "./modules/requests/access-request.repository.js";
import { createAccessRequestService } from "./modules/requests/access-request.service.js";
import { createApprovalRuleRepository } from "./modules/requests/approval-rule.repository.js";
import { createApprovalRuleService } from "./modules/requests/approval-rule.service.js";
import { createDesiredState } from "./modules/requests/desired-state.js";
import { createProvisioningJobs, provisioningQueue } from "./modules/requests/provisioning.jobs.js";
import { createProvisioningService } from "./modules/requests/provisioning.service.js";
import { createProvisioningSteps } from "./modules/requests/provisioning-steps.js";
import { createRequestInventoryRepository } from "./modules/requests/request-inventory.repository.js";
import { createTransitions } from "./modules/requests/request-transitions.js";
import { createWebhookJobs } from "./modules/requests/webhook.jobs.js";
import { createWebhookRepository } from "./modules/requests/webhook.repository.js";
import { createWebhookService } from "./modules/requests/webhook.service.js";
import { createMetricsRepository } from "./modules/system/metrics.repository.js";
import { createPreflightService } from "./modules/system/preflight.js";
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
  /** This instance's Prometheus registry and recorders (the AWS layer already reports to it). */
  metrics: Metrics;
  /** Inventory Regions when INVENTORY_REGIONS is unset (the sandbox's, in sandbox mode). */
  fallbackRegions?: string[];
  clock?: Clock;
}

export function createServices(deps: ServiceDeps) {
  const clock = deps.clock ?? systemClock;
  deps.metrics.collectFrom(createMetricsRepository(deps.db));
  const audit = createAuditService({
    repo: createAuditRepository(deps.db),
    signingKey: deps.config.security.auditSigningKey,
  });
  const principalIds = createPrincipalIds(deps.config.oidc?.issuer);
  const apiKeys = createApiKeyService({
    principalIds,
    db: deps.db,
    repo: createApiKeyRepository(deps.db),
    audit,
    clock,
    hasher: createApiKeyHasher(deps.config.security.apiKeyHashSecret),
    cacheSeconds: deps.config.security.apiKeyCacheSeconds,
  });
  const auth = createAuthService({ apiKeys, jwt: deps.config.oidc ? createJwtVerifier(deps.config.oidc) : undefined });
  const system = createSystemService({ environment: deps.environment });
  const preflight = createPreflightService({
    aws: deps.aws,
    settings: {
      homeRegion: deps.config.aws.homeRegion,
      hubRoleArn: deps.config.aws.hubRoleArn,
      trailBucket: deps.config.invocations.trailBucket,
      trailBucketAccount: deps.config.invocations.trailBucketAccount,
      trailKeyPrefix: deps.config.invocations.trailKeyPrefix,
    },
  });
  const health = createHealthService({
    repo: createHealthRepository(deps.db),
    migrations: deps.migrations,
    environment: deps.environment,
  });
  const org = createOrgRepository(deps.db);
  const defaultRegions = deps.config.inventory.regions ?? deps.fallbackRegions ?? DEFAULT_INVENTORY_REGIONS;
  const syncRuns = createSyncRunRepository(deps.db);
  const sync = createSyncService({ db: deps.db, runs: syncRuns, org, queue: deps.queue, audit });
  const inventoryQueries = createInventoryQueryRepository(deps.db, { defaultRegions });
  const regionScopes = createRegionScopeRepository(deps.db);
  const inventory = createInventoryQueryService({
    db: deps.db,
    repo: inventoryQueries,
    models: createModelViewRepository(deps.db),
    scopes: regionScopes,
    audit,
  });
  const changed = reconcileAfterCatalogChange(deps.queue, deps.log.child({ component: "catalog" }));
  const catalog = createCatalogService({ db: deps.db, repo: createCatalogRepository(deps.db), audit, clock, changed });
  // Desired state: the catalog and the access grants in force (account-scoped entries).
  const accessRequestRepo = createAccessRequestRepository(deps.db);
  const desired: DesiredStateSource = createDesiredState({ catalog, grants: accessRequestRepo, clock });
  const facts = createPolicyFactsRepository(deps.db);
  // The inventory as the reachability engine reads it (reconciliation, remediation, the doctor).
  const inventoryFacts = createFactsRepository(deps.db);
  const policies = createPolicyService({ desired, facts, clock });
  const reconcile = createReconcileService({
    db: deps.db,
    desired,
    inventory: inventoryFacts,
    verdicts: createVerdictsRepository(deps.db),
    findings: createFindingsRepository(deps.db),
    audit,
    clock,
    log: deps.log.child({ component: "reconcile" }),
    settings: { legacyWindowDays: deps.config.reconcile.legacyWindowDays },
  });
  // Invocation audit (CloudTrail): "allowed at that time" reads the same desired-state source.
  const invocationEvents = createInvocationEventsRepository(deps.db);
  const ingestions = createIngestionRepository(deps.db);
  const invocations = createInvocationsService({
    db: deps.db,
    events: invocationEvents,
    ingestions,
    analysis: createAnalysisRepository(deps.db),
    facts,
    desired,
    aws: deps.aws,
    queue: deps.queue,
    audit,
    clock,
    log: deps.log.child({ component: "invocations" }),
    settings: { ...deps.config.invocations, homeRegion: deps.config.aws.homeRegion },
  });
  const remediationDeps: RemediationDeps = {
    db: deps.db,
    repo: createRemediationRepository(deps.db),
    desired,
    facts,
    inventory: inventoryFacts,
    aws: deps.aws,
    audit,
    clock,
    log: deps.log.child({ component: "remediation" }),
    requestSync: async (ctx, req) => (await sync.requestSync(ctx, req, "remediation")).id,
    syncRunStatus: async (ctx, runId) => (await sync.getRun(ctx, runId)).status,
    reconcileAccounts: (ctx, accountIds) => reconcile.reconcileNow(ctx, { accountIds }),
    settings: {
      legacyWindowDays: deps.config.reconcile.legacyWindowDays,
      rolloutPollMs: 500,
      applyLeaseSeconds: deps.config.remediation.applyLeaseSeconds,
    },
  };
  const remediation = createRemediationService(remediationDeps);
  const remediationRecovery = createRemediationRecovery(remediationDeps);
  const requestsConfig = deps.config.requests;
  const provisioningSettings = {
    sweepCron: requestsConfig.sweepCron,
    verifyPollSeconds: requestsConfig.verifyPollSeconds,
    verifyMaxPolls: requestsConfig.verifyMaxPolls,
  };
  const requestInventory = createRequestInventoryRepository(deps.db);
  const approvalRuleRepo = createApprovalRuleRepository(deps.db);
  const webhookRepo = createWebhookRepository(deps.db);
  const webhookSecrets = createSecretBox(deps.config.security.secretEncryptionKey, "webhook secret");
  const webhooks = createWebhookService({
    db: deps.db,
    repo: webhookRepo,
    audit,
    queue: deps.queue,
    clock,
    log: deps.log.child({ component: "webhooks" }),
    secrets: webhookSecrets,
    allowedDestinations: requestsConfig.webhookAllowedDestinations,
  });
  const reportsDomain = createReportsDomain({
    ...{ db: deps.db, facts, audit, queue: deps.queue, clock, log: deps.log, aws: deps.aws },
    ...{ webhookRepo, webhooks, settings: deps.config.reports, catalog, environment: deps.environment },
    lookbackDays: deps.config.invocations.lookbackDays,
  });
  const transitions = createTransitions({ repo: accessRequestRepo, audit, webhooks, clock });
  const reachability = createReachabilityService({ facts: inventoryFacts, clock });
  const accessRequests = createAccessRequestService({
    principalIds,
    preflight: reachability,
    db: deps.db,
    repo: accessRequestRepo,
    inventory: requestInventory,
    rules: approvalRuleRepo,
    desired,
    transitions,
    webhooks,
    enqueue: provisioningQueue(deps.queue, provisioningSettings),
    clock,
    log: deps.log.child({ component: "access-requests" }),
    settings: { pendingTtlHours: requestsConfig.pendingTtlHours, maxDurationHours: requestsConfig.maxDurationHours },
  });
  const approvalRules = createApprovalRuleService({
    db: deps.db,
    repo: approvalRuleRepo,
    scopeKind: (id) => regionScopes.targetKind(id),
    audit,
    clock,
  });
  const provisioningLog = deps.log.child({ component: "provisioning" });
  const provisioningSteps = createProvisioningSteps({
    db: deps.db,
    repo: accessRequestRepo,
    transitions,
    webhooks,
    audit,
    remediation,
    sync,
    clock,
    log: provisioningLog,
    enqueue: provisioningQueue(deps.queue, provisioningSettings),
    preflight: reachability,
    inventory: requestInventory,
    waiting: requestsConfig.waiting,
  });
  const provisioning = createProvisioningService({
    db: deps.db,
    repo: accessRequestRepo,
    steps: provisioningSteps,
    transitions,
  });
  // Access doctor, with the open access requests of the account-Region-model it examines.
  const doctor = createDoctorService({
    requests: { openFor: (accountId, region, modelId) => accessRequestRepo.openFor(accountId, region, modelId) },
    aws: deps.aws,
    db: deps.db,
    desired,
    inventory: createDoctorRepository(deps.db),
    inventoryScps: inventoryScpsFrom(inventoryFacts),
    facts: inventoryFacts,
    audit,
    clock,
    regions: defaultRegions,
  });
  // Every job this service runs, by domain: handlers, retry policies and schedules.
  // Sync jobs' small statements go to node-postgres directly, not through Prisma's client (issue 21).
  const syncSql = deps.db.sqlOnly();
  const syncJobRuns = createSyncRunRepository(syncSql);
  const jobs: JobSet[] = [
    createSyncJobs({
      runs: syncJobRuns,
      org,
      state: createInventoryStateService({
        db: deps.db,
        accountRegionDb: syncSql,
        org,
        accountRegions: createAccountRegionRepository(syncSql),
        facts: createInventoryFactsRepository(syncSql),
        runs: syncJobRuns,
        history: createChangeHistoryRepository(syncSql),
      }),
      discovery: createDiscoveryService({ aws: deps.aws }),
      reader: createAccountRegionReader({ aws: deps.aws, facts: createFactsReader() }),
      queue: deps.queue,
      clock,
      log: deps.log.child({ component: "sync" }),
      settings: {
        defaultRegions,
        jobTimeoutSeconds: deps.config.inventory.syncJobTimeoutSeconds,
        concurrency: deps.config.inventory.syncConcurrency,
        cron: deps.config.inventory.syncCron,
      },
      metrics: deps.metrics,
      startScheduledRun: sync.startScheduledRun,
      refreshModelCounts: () => inventory.refreshModelCounts(),
    }),
    createReconcileJobs({ run: reconcile.run }),
    createInvocationsJobs({
      events: invocationEvents,
      ingestions,
      metrics: deps.metrics,
      aws: deps.aws,
      clock,
      log: deps.log.child({ component: "invocations" }),
      settings: deps.config.invocations,
      analyze: invocations.analyze,
      startScheduledIngestion: invocations.startScheduledIngestion,
    }),
    createRemediationJobs({
      recovery: remediationRecovery,
      log: deps.log.child({ component: "remediation" }),
      settings: { recoverCron: deps.config.remediation.recoverCron },
    }),
    ...reportsDomain.jobs,
    createProvisioningJobs({
      db: deps.db,
      repo: accessRequestRepo,
      inventory: requestInventory,
      transitions,
      webhooks,
      audit,
      sync,
      reconcile,
      steps: provisioningSteps,
      enqueue: provisioningQueue(deps.queue, provisioningSettings),
      clock,
      log: provisioningLog,
      settings: provisioningSettings,
    }),
    createWebhookJobs({
      repo: webhookRepo,
      clock,
      log: deps.log.child({ component: "webhooks" }),
      secrets: webhookSecrets,
      post: createGuardedPost(requestsConfig.webhookAllowedDestinations),
      metrics: deps.metrics,
      settings: {
        retryLimit: requestsConfig.webhookRetryLimit,
        retryDelaySeconds: requestsConfig.webhookRetryDelaySeconds,
        timeoutMs: requestsConfig.webhookTimeoutMs,
      },
    }),
  ];
  return {
    jobs,
    reachability,
    accessRequests,
    approvalRules,
    provisioning,
    webhooks,
    audit,
    apiKeys,
    demoPersonas: createDemoPersonaService({ apiKeys, clock }),
    auth,
    health,
    system,
    preflight,
    sync,
    inventory,
    catalog,
    policies,
    reconcile,
    invocations,
    reports: reportsDomain.reports,
    reportEvidence: reportsDomain.evidence,
    reportSchedules: reportsDomain.schedules,
    aibom: reportsDomain.aibom,
    remediation,
    remediationRecovery,
    doctor,
    aws: deps.aws,
    metrics: deps.metrics,
    clock,
  };
}

export type Services = ReturnType<typeof createServices>;
