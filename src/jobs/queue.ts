// The job queue: pg-boss on the service's own PostgreSQL (schema `pgboss`). Workers in any number
// of processes share the work; pg-boss takes care of locking, retries with backoff and expiry.
import PgBoss from "pg-boss";
import type { Logger } from "pino";

export interface JobDefinition<T extends object = object> {
  /** Queue name, e.g. `inventory.sync-account-region`. */
  name: string;
  /** pg-boss queue options: policy, retries, backoff, expiry. */
  queue?: Omit<PgBoss.Queue, "name">;
  /** Jobs of this queue one process runs at once (default: JOB_CONCURRENCY). */
  concurrency?: number;
  handler(data: T, meta: { id: string; retryCount: number }): Promise<void>;
}

export interface JobSchedule {
  name: string;
  cron: string;
  data?: object;
}

export interface JobQueue {
  /** Creates queues and, when `work` is set, starts consuming them in this process. */
  start(opts: { work: boolean; definitions: JobDefinition[]; schedules?: JobSchedule[] }): Promise<void>;
  send(name: string, data: object, opts?: PgBoss.SendOptions): Promise<string | null>;
  /** Stops fetching new jobs, waits for running ones (up to timeoutMs), then closes connections. */
  stop(timeoutMs: number): Promise<void>;
}

export function createJobQueue(opts: {
  databaseUrl: string;
  log: Logger;
  concurrency: number;
  poolSize?: number;
}): JobQueue {
  const boss = new PgBoss({
    connectionString: opts.databaseUrl,
    application_name: "bedrock-governor-jobs",
    max: opts.poolSize ?? 4,
    schema: "pgboss",
  });
  boss.on("error", (err) => opts.log.error({ err }, "job queue error"));
  let started = false;

  return {
    async start({ work, definitions, schedules = [] }) {
      await boss.start();
      started = true;
      for (const def of definitions) {
        await boss.createQueue(def.name, { name: def.name, ...def.queue });
        if (!work) continue;
        // pg-boss runs one job at a time per work() call: N calls, N concurrent jobs.
        for (let i = 0; i < (def.concurrency ?? opts.concurrency); i++) {
          await boss.work<object>(def.name, { batchSize: 1, includeMetadata: true }, async ([job]) => {
            if (!job) return;
            const log = opts.log.child({ job: def.name, jobId: job.id });
            const started = Date.now();
            try {
              await def.handler(job.data, { id: job.id, retryCount: job.retryCount });
              log.debug({ ms: Date.now() - started }, "job done");
            } catch (err) {
              log.warn({ err, retryCount: job.retryCount }, "job failed");
              throw err;
            }
          });
        }
      }
      for (const s of schedules) await boss.schedule(s.name, s.cron, s.data ?? {});
    },

    send: (name, data, sendOpts = {}) => boss.send(name, data, sendOpts),

    async stop(timeoutMs) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
    },
  };
}
