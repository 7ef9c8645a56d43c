// The `report` command's own process renders with only what rendering needs: a database
// connection, the reports repository and service, the audit service (the request is audited as
// through the API) and the rendering job, run here once the request commits. Not the composition
// root: no other service, no AWS client, no job queue. Everything is imported when the command
// runs, so no other command pays for it.
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Database } from "../db/prisma.js";
import type { JobQueue } from "../jobs/queue.js";
import type { CallContext } from "../kernel/principal.js";
import type { ResolvedDatabase } from "../main/database.js";
import type { AuditService } from "../modules/audit/audit.service.js";
import type { EvidenceSources } from "../modules/reports/evidence-package.js";
import type { Report, ReportFormat, ReportRequest } from "../modules/reports/reports.types.js";

export interface LocalReports {
  /** Requests (audited) and renders the report in this process; the report as it ended. */
  render(ctx: CallContext, req: ReportRequest, onProgress: (r: Report) => void): Promise<Report>;
  download(ctx: CallContext, id: string): Promise<{ body: AsyncIterable<Buffer> }>;
  close(): Promise<void>;
}

/** A queue that only takes note of the report to render: the job runs in this process. */
function localQueue(queued: string[]): JobQueue {
  const refuse = () => Promise.reject(new Error("a report process queues nothing but its report"));
  return {
    start: async () => undefined,
    send: async (_job, payload) => {
      queued.push((payload as { reportId: string }).reportId);
      return "local";
    },
    insert: refuse,
    publish: refuse,
    stop: async () => undefined,
  };
}

export async function openLocalReports(
  config: Readonly<Config>,
  log: Logger,
  database: ResolvedDatabase,
  format: ReportFormat,
): Promise<LocalReports> {
  const [{ applyMigrations }, { createDatabase }] = await Promise.all([
    import("../db/migrator.js"),
    import("../db/prisma.js"),
  ]);
  await applyMigrations(database.url, { log });
  const [audits, reportsRepo, service, jobs, facts, { systemClock: clock }, seals, sealing, signing] =
    await Promise.all([
      import("../modules/audit/audit.repository.js").then(async (r) => ({
        repo: r,
        service: await import("../modules/audit/audit.service.js"),
      })),
      import("../modules/reports/reports.repository.js"),
      import("../modules/reports/reports.service.js"),
      import("../modules/reports/reports.jobs.js"),
      import("../modules/catalog/policy-facts.repository.js"),
      import("../lib/clock.js"),
      import("../modules/reports/report-seal.repository.js"),
      import("../modules/reports/report-evidence.service.js"),
      import("../modules/reports/report-signing.js"),
    ]);
  // Rendering holds one batch at a time: a small pool is enough. Raw SQL only, on node-postgres
  // (Prisma's client is created only if a model query is needed: an OU or account scope).
  const db = createDatabase({ url: database.url, poolSize: Math.min(config.databasePoolSize, 4), client: "raw" });
  const audit = audits.service.createAuditService({
    repo: audits.repo.createAuditRepository(db),
    signingKey: config.security.auditSigningKey,
    clock,
  });
  const repo = reportsRepo.createReportsRepository(db);
  const queued: string[] = [];
  const base = {
    db,
    repo,
    facts: facts.createPolicyFactsRepository(db),
    audit,
    clock,
    log: log.child({ component: "reports" }),
  };
  const reports = service.createReportsService({ ...base, queue: localQueue(queued) });
  const evidence: EvidenceSources =
    format === "evidence"
      ? await evidenceSources(db, audit, clock)
      : {
          catalogYaml: () => Promise.reject(new Error("only an evidence package holds the catalog")),
          auditHead: () => Promise.reject(new Error("only an evidence package holds the audit head")),
          controlMapping: async () => undefined,
        };
  // Sealed as the server seals it: the hash anchored in the audit log, the statement signed.
  const seal = sealing.createReportEvidenceService({
    db,
    repo: seals.createReportSealRepository(db),
    reports: repo,
    audit,
    signer: signing.createReportSigner(config.reports.signingKey),
    clock,
  });
  const [renderer] = jobs.createReportsJobs({
    ...base,
    evidence,
    seal,
    lookbackDays: config.invocations.lookbackDays,
  }).workers;
  if (!renderer) throw new Error("the reports module has no rendering job");

  return {
    async render(ctx, req, onProgress) {
      const requested = await reports.request(ctx, req);
      onProgress(requested);
      for (let id = queued.shift(); id !== undefined; id = queued.shift()) {
        let last = "";
        const tick = setInterval(() => {
          void reports.get(ctx, id as string).then(
            (r) => {
              if (r.stage !== last) onProgress(r);
              last = r.stage;
            },
            () => undefined,
          );
        }, 1000);
        try {
          await renderer.handler({ reportId: id }, { jobId: "local", retryCount: 0, lastAttempt: true }).catch(() => {
            // recorded on the report (lastAttempt): read below
          });
        } finally {
          clearInterval(tick);
        }
      }
      return reports.get(ctx, requested.id);
    },
    download: (ctx, id) => reports.download(ctx, id),
    close: () => db.close(),
  };
}

/** An evidence package's other files: the catalog in force (its service, read-only here) and the audit head. */
async function evidenceSources(db: Database, audit: AuditService, clock: { now(): Date }): Promise<EvidenceSources> {
  const [{ createEvidenceSources }, { createCatalogService }, { createCatalogRepository }] = await Promise.all([
    import("../modules/reports/evidence-sources.js"),
    import("../modules/catalog/catalog.service.js"),
    import("../modules/catalog/catalog.repository.js"),
  ]);
  const catalog = createCatalogService({
    db,
    repo: createCatalogRepository(db),
    audit,
    clock,
    changed: async () => undefined,
  });
  return createEvidenceSources({ catalog, audit, clock });
}
