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
  /** Jobs fetched per poll; a batch runs in parallel and each job succeeds or fails on its own. */
  batchSize?: number;
  /** How often an idle worker looks for jobs of this queue (pg-boss default: 2 s). */
  pollingIntervalSeconds?: number;
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
  /** Inserts many jobs in one statement; jobs whose singleton key is taken are skipped. */
  insert(name: string, jobs: Array<{ data: object; singletonKey?: string }>): Promise<void>;
  /** Stops fetching new jobs, waits for running ones (up to timeoutMs), then closes connections. */
  stop(timeoutMs: number): Promise<void>;
}

export function createJobQueue(opts: {
  databaseUrl: string;
  log: Logger;
  concurrency: number;
  poolSize?: number;
  /** How often pg-boss retries the expired jobs of dead workers and checks schedules. */
  maintenanceIntervalSeconds?: number;
}): JobQueue {
  const boss = new PgBoss({
    connectionString: opts.databaseUrl,
    application_name: "bedrock-governor-jobs",
    max: opts.poolSize ?? 6,
    schema: "pgboss",
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 30,
    monitorStateIntervalSeconds: opts.maintenanceIntervalSeconds ?? 30,
  });
  boss.on("error", (err) => opts.log.error({ err }, "job queue error"));

  /**
   * Creates the queue, or brings its options up to date. Processes starting together race on
   * pg-boss's DDL (a deadlock or a duplicate); the loser retries and finds the queue there.
   */
  async function ensureQueue(def: JobDefinition) {
    const options = { name: def.name, ...def.queue };
    for (let attempt = 0; ; attempt++) {
      try {
        if (await boss.getQueue(def.name)) await boss.updateQueue(def.name, options);
        else await boss.createQueue(def.name, options);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || (code !== "40P01" && code !== "23505" && code !== "42P07")) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * (attempt + 1)));
      }
    }
  }
  let started = false;

  return {
    async start({ work, definitions, schedules = [] }) {
      await boss.start();
      started = true;
      for (const def of definitions) {
        await ensureQueue(def);
        if (!work) continue;
        // pg-boss runs one batch at a time per work() call: loops × batch = concurrent jobs.
        const concurrency = def.concurrency ?? opts.concurrency;
        const batchSize = Math.min(def.batchSize ?? 1, concurrency);
        const loops = Math.max(1, Math.ceil(concurrency / batchSize));
        for (let i = 0; i < loops; i++) {
          const polling = def.pollingIntervalSeconds ? { pollingIntervalSeconds: def.pollingIntervalSeconds } : {};
          await boss.work<object>(def.name, { batchSize, includeMetadata: true, ...polling }, async (jobs) => {
            await Promise.all(
              jobs.map(async (job) => {
                const log = opts.log.child({ job: def.name, jobId: job.id });
                const started = Date.now();
                try {
                  await def.handler(job.data, { id: job.id, retryCount: job.retryCount });
                  log.debug({ ms: Date.now() - started }, "job done");
                } catch (err) {
                  log.warn({ err, retryCount: job.retryCount }, "job failed");
                  // Only this job fails (and is retried); the rest of the batch completes.
                  await boss.fail(def.name, job.id, { message: err instanceof Error ? err.message : String(err) });
                }
              }),
            );
          });
        }
      }
      for (const s of schedules) await boss.schedule(s.name, s.cron, s.data ?? {});
    },

    send: (name, data, sendOpts = {}) => boss.send(name, data, sendOpts),

    async insert(name, jobs) {
      for (let i = 0; i < jobs.length; i += 500) {
        await boss.insert(
          jobs
            .slice(i, i + 500)
            .map((j) => ({ name, data: j.data, ...(j.singletonKey ? { singletonKey: j.singletonKey } : {}) })),
        );
      }
    },

    async stop(timeoutMs) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
    },
  };
}
