// The job queue: pg-boss on the service's own PostgreSQL (schema `pgboss`). Workers in any number
// of processes share the work; pg-boss takes care of locking, retries with backoff and expiry.
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import { inSpan, SpanKind } from "../lib/tracing.js";
import type { EventType, JobPolicy, JobSet, JobType, Worker } from "./job.js";

export interface SendOptions {
  /** With a `stately` or `singleton` policy: at most one such job per key. */
  singletonKey?: string;
  /** Delay before the job may run. */
  startAfterSeconds?: number;
}

export interface JobQueue {
  /** Creates the queues of every job set and, when `work` is set, consumes them in this process. */
  start(opts: { work: boolean; jobs: readonly JobSet[] }): Promise<void>;
  /** Queues one job; null when its singleton key is taken. The retry policy is the job type's. */
  send<P extends object>(job: JobType<P>, payload: P, opts?: SendOptions): Promise<string | null>;
  /** Inserts many jobs in one statement; jobs whose singleton key is taken are skipped. */
  insert<P extends object>(job: JobType<P>, items: ReadonlyArray<{ payload: P; singletonKey?: string }>): Promise<void>;
  /** Puts one job on the queue of every worker that subscribes to the event. */
  publish<P extends object>(event: EventType<P>, payload: P): Promise<void>;
  /** Stops fetching new jobs, waits for running ones (up to timeoutMs), then closes connections. */
  stop(timeoutMs: number): Promise<void>;
}

const queueOptions = (p: JobPolicy): Omit<PgBoss.Queue, "name"> => ({
  ...(p.policy ? { policy: p.policy } : {}),
  retryLimit: p.retryLimit,
  ...(p.retryDelaySeconds !== undefined ? { retryDelay: p.retryDelaySeconds } : {}),
  ...(p.retryBackoff !== undefined ? { retryBackoff: p.retryBackoff } : {}),
  ...(p.expireInSeconds !== undefined ? { expireInSeconds: p.expireInSeconds } : {}),
});

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
  async function ensureQueue(def: Worker) {
    const { job } = def;
    const options = { name: job.name, ...queueOptions({ ...job.policy, ...def.policy }) };
    for (let attempt = 0; ; attempt++) {
      try {
        if (await boss.getQueue(job.name)) await boss.updateQueue(job.name, options);
        else await boss.createQueue(job.name, options);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || (code !== "40P01" && code !== "23505" && code !== "42P07")) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * (attempt + 1)));
      }
    }
  }
  let started = false;
  let stopping = false;
  const loops: Promise<void>[] = [];
  const inFlight = new Map<string, string>(); // job id -> queue name
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  /**
   * Writes a job's outcome. pg-boss's own work() loop writes it without awaiting, so a database
   * that is away at that moment becomes an unhandled rejection (and kills the process); here the
   * write is retried until the database is back or the job's expiry has passed, after which
   * pg-boss's maintenance expires the job and retries it. Either way nothing is lost.
   */
  async function settle(def: Worker, job: PgBoss.JobWithMetadata<object>, error?: unknown) {
    const deadline = Date.now() + job.expireInSeconds * 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        if (error === undefined) await boss.complete(def.job.name, job.id);
        else await boss.fail(def.job.name, job.id, { message: error instanceof Error ? error.message : String(error) });
        return;
      } catch (err) {
        if (Date.now() > deadline || (stopping && attempt >= 3)) {
          opts.log.warn(
            { err, job: def.job.name, jobId: job.id },
            "job outcome not written; the job will expire and be retried",
          );
          return;
        }
        await sleep(Math.min(5000, 200 * 2 ** attempt));
      }
    }
  }

  async function runJob(def: Worker, job: PgBoss.JobWithMetadata<object>) {
    const log = opts.log.child({ job: def.job.name, jobId: job.id });
    const t0 = Date.now();
    inFlight.set(job.id, def.job.name);
    let timer: NodeJS.Timeout | undefined;
    try {
      // A handler running past the job's expiry is failed (and retried), as pg-boss's work() does.
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`job ran longer than ${job.expireInSeconds}s`)),
          job.expireInSeconds * 1000,
        );
      });
      const attempt = { jobId: job.id, retryCount: job.retryCount, lastAttempt: job.retryCount >= job.retryLimit };
      await Promise.race([
        inSpan(
          `job ${def.job.name}`,
          {
            kind: SpanKind.CONSUMER,
            attributes: {
              "messaging.system": "pg-boss",
              "messaging.destination.name": def.job.name,
              "messaging.message.id": job.id,
              "bedrock_governor.job.retry_count": job.retryCount,
            },
          },
          () => def.handler(job.data, attempt),
        ),
        expired,
      ]);
      log.debug({ ms: Date.now() - t0 }, "job done");
      await settle(def, job);
    } catch (err) {
      log.warn({ err, retryCount: job.retryCount }, "job failed");
      // Only this job fails (and is retried); the rest of the batch completes.
      await settle(def, job, err);
    } finally {
      clearTimeout(timer);
      inFlight.delete(job.id);
    }
  }

  /**
   * Keeps up to `concurrency` jobs of one queue running: fetches up to `batchSize` jobs whenever
   * enough slots are free, and starts each at once, so a slow job holds only its own slot (not a
   * whole batch's) and one query fetches many jobs. Idle, it polls every `pollingIntervalSeconds`.
   */
  async function consume(def: Worker, concurrency: number, batchSize: number) {
    const intervalMs = (def.pollingIntervalSeconds ?? 2) * 1000;
    // Refill in chunks (a quarter batch) rather than one fetch per finished job.
    const refillAt = Math.max(1, Math.ceil(batchSize / 4));
    const running = new Set<Promise<void>>();
    let slotFreed: (() => void) | undefined;
    let failing = false; // logged once per outage, not once per poll
    while (!stopping) {
      const free = concurrency - running.size;
      if (free < Math.min(refillAt, concurrency)) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            sleepers.delete(wake);
            slotFreed = undefined;
            resolve();
          };
          slotFreed = wake;
          sleepers.add(wake);
        });
        continue;
      }
      let jobs: PgBoss.JobWithMetadata<object>[] = [];
      try {
        jobs = await boss.fetch<object>(def.job.name, { batchSize: Math.min(free, batchSize), includeMetadata: true });
        if (failing) opts.log.info({ job: def.job.name }, "fetching jobs works again");
        failing = false;
      } catch (err) {
        if (!stopping && !failing) opts.log.warn({ err, job: def.job.name }, "fetching jobs failed; trying again");
        failing = true;
      }
      for (const job of jobs) {
        const run: Promise<void> = runJob(def, job).finally(() => {
          running.delete(run);
          slotFreed?.();
        });
        running.add(run);
      }
      if (jobs.length === 0 && !stopping) await sleep(intervalMs);
    }
    await Promise.all(running);
  }

  return {
    async start({ work, jobs }) {
      await boss.start();
      started = true;
      for (const def of jobs.flatMap((set) => set.workers)) {
        await ensureQueue(def);
        for (const event of def.subscribesTo ?? []) await boss.subscribe(event.name, def.job.name);
        if (!work) continue;
        const concurrency = def.concurrency ?? opts.concurrency;
        loops.push(consume(def, concurrency, Math.min(def.batchSize ?? 1, concurrency)));
      }
      for (const s of jobs.flatMap((set) => set.schedules)) await boss.schedule(s.job.name, s.cron, s.payload);
      if (work) for (const job of jobs.flatMap((set) => set.atStart ?? [])) await boss.send(job.name, {});
    },

    async send(job, payload, sendOpts = {}) {
      // pg-boss opens its connection in start(); before that a send fails deep inside it.
      if (!started) throw new Error(`the job queue is not started: ${job.name} cannot be queued`);
      return boss.send(job.name, payload, {
        ...(sendOpts.singletonKey ? { singletonKey: sendOpts.singletonKey } : {}),
        ...(sendOpts.startAfterSeconds ? { startAfter: sendOpts.startAfterSeconds } : {}),
      });
    },

    async insert(job, items) {
      for (let i = 0; i < items.length; i += 500) {
        await boss.insert(
          items.slice(i, i + 500).map((j) => ({
            name: job.name,
            data: j.payload,
            ...(j.singletonKey ? { singletonKey: j.singletonKey } : {}),
          })),
        );
      }
    },

    publish: (event, payload) => boss.publish(event.name, payload),

    async stop(timeoutMs) {
      if (!started) return;
      started = false;
      stopping = true;
      for (const wake of [...sleepers]) wake();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(loops).then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        // Jobs still running are handed back now rather than when they expire.
        for (const [id, name] of inFlight) {
          await boss.fail(name, id, { message: "worker shut down while the job was running" }).catch(() => undefined);
        }
      }
      await boss.stop({ graceful: false, wait: true, close: true });
    },
  };
}
