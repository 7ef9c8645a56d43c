// The reports module wired once: the service (requests, downloads), its rendering jobs and the AI
// bill of materials, over one repository.
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import type { JobQueue } from "../../jobs/queue.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { createAibom } from "./aibom.service.js";
import { createEvidenceSources } from "./evidence-sources.js";
import { createReportsJobs } from "./reports.jobs.js";
import { createReportsRepository } from "./reports.repository.js";
import { createReportsService } from "./reports.service.js";

export function createReporting(deps: {
  db: Database;
  facts: PolicyFactsRepository;
  audit: AuditService;
  catalog: CatalogService;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  environment: { version: string };
  /** How far back the first invocation ingestion of an account-Region reads (coverage statement). */
  lookbackDays: number;
}) {
  const base = { ...deps, repo: createReportsRepository(deps.db), log: deps.log.child({ component: "reports" }) };
  return {
    reports: createReportsService(base),
    jobs: createReportsJobs({ ...base, evidence: createEvidenceSources(deps) }),
    aibom: createAibom({ ...deps, reports: base.repo }),
  };
}
