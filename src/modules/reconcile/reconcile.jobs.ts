// Reconciliation as a job: after every finished sync run (it subscribes to the inventory's
// `sync-run-finished` event) and when another module asks for one.
import { defineJob, type JobSet, worker } from "../../jobs/job.js";
import { SYNC_EVENTS } from "../inventory/sync.jobs.js";

export interface ReconcilePayload {
  /** Accounts to reconcile; unset: the whole organization. */
  accountIds?: string[];
  /** The sync run that triggered it, for the log. */
  runId?: string;
}

export const RECONCILE_JOBS = {
  // stately: one running and at most one queued; a whole-organization run covers every request.
  run: defineJob<ReconcilePayload>("reconcile.run", {
    policy: "stately",
    retryLimit: 3,
    retryDelaySeconds: 5,
    retryBackoff: true,
  }),
};

export function createReconcileJobs(deps: { run(payload: ReconcilePayload): Promise<unknown> }): JobSet {
  return {
    workers: [
      worker(
        RECONCILE_JOBS.run,
        async (payload) => {
          await deps.run(payload);
        },
        { concurrency: 1, subscribesTo: [SYNC_EVENTS.runFinished] },
      ),
    ],
    schedules: [],
  };
}
