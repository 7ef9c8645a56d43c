// The reports domain wired together: requests, rendering jobs, sealing (hash anchored in the audit
// log, statement signed), and report schedules with their delivery.
import type { KeyObject } from "node:crypto";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import type { JobSet } from "../../jobs/job.js";
import type { JobQueue } from "../../jobs/queue.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import { createReportEvidenceRepository } from "./report-evidence.repository.js";
import { createReportEvidenceService } from "./report-evidence.service.js";
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
  signingKey: KeyObject | undefined;
}) {
  const log = deps.log.child({ component: "reports" });
  const repo = createReportsRepository(deps.db);
  const reports = createReportsService({ ...deps, repo, log });
  const evidence = createReportEvidenceService({
    db: deps.db,
    repo: createReportEvidenceRepository(deps.db),
    reports: repo,
    audit: deps.audit,
    signer: createReportSigner(deps.signingKey),
    clock: deps.clock,
  });
  const jobs: JobSet[] = [createReportsJobs({ repo, facts: deps.facts, clock: deps.clock, log, evidence })];
  return { reports, evidence, jobs };
}
