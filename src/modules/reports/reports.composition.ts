// The reports domain wired together: requests, rendering jobs, sealing (hash anchored in the audit
// log, statement signed), and report schedules with their delivery.

import type { KeyObject } from "node:crypto";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AwsAccess } from "../../aws/aws-access.js";
import type { Database } from "../../db/prisma.js";
import type { JobSet } from "../../jobs/job.js";
import type { JobQueue } from "../../jobs/queue.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import type { WebhookRepository } from "../requests/webhook.repository.js";
import type { WebhookService } from "../requests/webhook.service.js";
import { createAibom } from "./aibom.service.js";
import { createEvidenceSources } from "./evidence-sources.js";
import { createReportDeliveryJobs, deliveryAfterReady } from "./report-delivery.jobs.js";
import { createReportEvidenceService } from "./report-evidence.service.js";
import { createReportSchedulesRepository } from "./report-schedules.repository.js";
import { createReportSchedulesService } from "./report-schedules.service.js";
import { resolveScope } from "./report-scope.js";
import { createReportSealRepository } from "./report-seal.repository.js";
import { createReportSigner } from "./report-signing.js";
import { createReportsJobs } from "./reports.jobs.js";
import { createReportsRepository } from "./reports.repository.js";
import { createReportsService } from "./reports.service.js";

export function createReportsDomain(deps: {
  db: Database;
  facts: PolicyFactsRepository;
  audit: AuditService;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  aws: AwsAccess;
  webhookRepo: WebhookRepository;
  webhooks: Pick<WebhookService, "dispatch">;
  catalog: CatalogService;
  environment: { version: string };
  settings: { signingKey: KeyObject | undefined; schedulesCron: string | undefined };
  /** How far back the first invocation ingestion of an account-Region reads (coverage statement). */
  lookbackDays: number;
}) {
  const { db, audit, queue, clock } = deps;
  const log = deps.log.child({ component: "reports" });
  const repo = createReportsRepository(db);
  const reports = createReportsService({ db, repo, facts: deps.facts, audit, queue, clock, log });
  const signer = createReportSigner(deps.settings.signingKey);
  if (signer === undefined)
    log.info("REPORT_SIGNING_KEY is not set: reports are anchored in the audit log but not signed");
  const evidence = createReportEvidenceService({
    db,
    repo: createReportSealRepository(db),
    reports: repo,
    audit,
    signer,
    clock,
  });
  const schedulesRepo = createReportSchedulesRepository(db);
  const schedules = createReportSchedulesService({
    db,
    repo: schedulesRepo,
    reports,
    audit,
    clock,
    log,
    scopeExists: async (scope) => (await resolveScope(scope, repo, deps.facts)) !== undefined,
    webhookExists: async (id) => (await deps.webhookRepo.find(id)) !== undefined,
  });
  const jobs: JobSet[] = [
    createReportsJobs({
      db,
      repo,
      facts: deps.facts,
      clock,
      log,
      evidence: createEvidenceSources({ catalog: deps.catalog, audit, clock }),
      lookbackDays: deps.lookbackDays,
      seal: evidence,
      afterReady: deliveryAfterReady({ schedules: schedulesRepo, queue, log }),
    }),
    createReportDeliveryJobs({
      db,
      reports: repo,
      schedules: schedulesRepo,
      service: schedules,
      audit,
      queue,
      clock,
      log,
      async webhookDeliveries(rows, tx) {
        const at = clock.now();
        const withIds = rows.map((r) => ({ ...r, id: randomUUID(), at }));
        await deps.webhookRepo.insertDeliveries(withIds, tx);
        return withIds.map((r) => r.id);
      },
      dispatchWebhooks: (ids) => deps.webhooks.dispatch(ids),
      s3: (region) => deps.aws.hubS3(region),
      cron: deps.settings.schedulesCron,
    }),
  ];
  const aibom = createAibom({ ...deps, reports: repo });
  return { reports, evidence, schedules, aibom, jobs };
}
