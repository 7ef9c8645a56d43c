// Reconciliation as a job: after every finished sync run (it subscribes to the inventory's
// `sync-run-finished` event) and when another module asks for one.
import type { Logger } from "pino";
import { defineJob, type JobSet, worker } from "../../jobs/job.js";
import type { JobQueue } from "../../jobs/queue.js";
import { SYNC_EVENTS } from "../inventory/sync.jobs.js";

export interface ReconcilePayload {
  /** Accounts to reconcile; unset: the whole organization. */
  accountIds?: string[];
  /** The sync run that triggered it, for the log. */
  runId?: string;
  /** The catalog change set that triggered it, for the log (later ones ride on the same job). */
  catalogChangeSetId?: string;
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

/** Singleton key of the reconciliation that follows catalog changes: one queued at a time. */
export const CATALOG_RECONCILE_KEY = "reconcile:catalog-changed";

/**
 * Queues a whole-organization reconciliation after a catalog change. A change arriving while one
 * is queued rides on it (the job reads the catalog when it runs). The change is already committed
 * when this runs, so a queue failure is logged rather than thrown: the next sync's reconciliation
 * catches up.
 */
export function reconcileAfterCatalogChange(queue: JobQueue, log: Logger) {
  return async (changeSetId: string): Promise<void> => {
    try {
      await queue.send(
        RECONCILE_JOBS.run,
        { catalogChangeSetId: changeSetId },
        { singletonKey: CATALOG_RECONCILE_KEY },
      );
    } catch (err) {
      log.error({ err, changeSetId }, "could not queue the reconciliation after a catalog change; run `reconcile`");
    }
  };
}

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
