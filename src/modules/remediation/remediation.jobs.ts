// The recovery of remediation applies whose process died: run when a worker starts and on a
// schedule, one at a time across processes (each plan is taken over by one of them anyway).
import type { Logger } from "pino";
import { defineCronJob, type JobSet, withCronJob } from "../../jobs/job.js";
import type { RemediationRecovery } from "./remediation-recovery.js";

export const REMEDIATION_JOBS = {
  /** Reconciles plans left `applying` by a dead process against AWS (cron and at worker start). */
  recover: defineCronJob("remediation.recover"),
};

export function createRemediationJobs(deps: {
  recovery: RemediationRecovery;
  log: Logger;
  settings: { recoverCron: string | undefined };
}): JobSet {
  const set = withCronJob([], {
    job: REMEDIATION_JOBS.recover,
    cron: deps.settings.recoverCron,
    run: async () => {
      const recovered = await deps.recovery.recoverAbandoned();
      if (recovered.length > 0) deps.log.info({ recovered }, "interrupted remediation applies recovered");
    },
  });
  return { ...set, atStart: [REMEDIATION_JOBS.recover] };
}
