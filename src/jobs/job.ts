// Typed jobs and events. `defineJob<Payload>()` ties a queue name, the payload type and the retry
// policy together, so a sender cannot send the wrong payload and nobody repeats the retry limit;
// a handler learns from the queue whether it runs its last attempt.

/** The queue's policy and retries for one kind of job (pg-boss queue options). */
export interface JobPolicy {
  /** pg-boss queue policy; `stately`: at most one queued and one running job per singleton key. */
  policy?: "standard" | "short" | "singleton" | "stately";
  retryLimit: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A job running longer than this is presumed dead (its worker killed) and retried. */
  expireInSeconds?: number;
}

/** A kind of job: its queue name, payload type and retry policy. */
export interface JobType<P extends object> {
  readonly name: string;
  readonly policy: Readonly<JobPolicy>;
  /** Phantom: carries the payload type; never set. */
  readonly payload?: P;
}

export function defineJob<P extends object>(name: string, policy: JobPolicy): JobType<P> {
  return Object.freeze({ name, policy: Object.freeze({ ...policy }) });
}

/**
 * Something that happened, which other modules may react to with jobs of their own (pg-boss
 * publish/subscribe: one job per subscribed queue). The publisher does not know who listens.
 */
export interface EventType<P extends object> {
  readonly name: string;
  readonly payload?: P;
}

export function defineEvent<P extends object>(name: string): EventType<P> {
  return Object.freeze({ name });
}

/** What the queue tells a handler about the attempt it runs. */
export interface Attempt {
  jobId: string;
  /** Retries before this attempt (0 on the first). */
  retryCount: number;
  /** No retry follows if this attempt fails: record the failure instead of throwing for a retry. */
  lastAttempt: boolean;
}

/** How one process consumes one kind of job. */
export interface Worker<P extends object = object> {
  job: JobType<P>;
  handler(payload: P, attempt: Attempt): Promise<void>;
  /** Jobs of this queue one process runs at once (default: JOB_CONCURRENCY). */
  concurrency?: number;
  /** Jobs fetched at most per query; each starts at once and succeeds or fails on its own. */
  batchSize?: number;
  /** How often an idle worker looks for jobs of this queue (default: 2 s). */
  pollingIntervalSeconds?: number;
  /** Parts of the job type's policy that come from configuration (expiry, retries). */
  policy?: Partial<JobPolicy>;
  /** Events that each put a job of this kind on the queue (the event's payload is the job's). */
  subscribesTo?: ReadonlyArray<EventType<P>>;
}

export function worker<P extends object>(
  job: JobType<P>,
  handler: Worker<P>["handler"],
  opts: Omit<Worker<P>, "job" | "handler"> = {},
): Worker<P> {
  return { job, handler, ...opts };
}

/** A job started on a cron schedule (pg-boss schedules: one per name across all processes). */
export interface Schedule<P extends object = object> {
  job: JobType<P>;
  cron: string;
  payload: P;
}

/** The jobs one domain runs: its workers and its schedules. */
export interface JobSet {
  // biome-ignore lint/suspicious/noExplicitAny: a set holds workers of different payload types
  workers: Worker<any>[];
  // biome-ignore lint/suspicious/noExplicitAny: likewise for schedules
  schedules: Schedule<any>[];
  /** Cron jobs also queued whenever a process starts working the queues (recovery after a crash). */
  atStart?: CronJob[];
}

/** A job that a cron schedule starts: no payload, one at a time across processes, retried once. */
export type CronJob = JobType<Record<string, never>>;

export function defineCronJob(name: string): CronJob {
  return defineJob<Record<string, never>>(name, { policy: "singleton", retryLimit: 1 });
}

/**
 * A domain's jobs: its workers, then the worker of its cron job, which runs `run` one at a time;
 * the cron job is scheduled only when `cron` is set (undefined: the schedule is off).
 */
export function withCronJob(
  workers: JobSet["workers"],
  cronJob: { job: CronJob; cron: string | undefined; run: () => Promise<unknown> },
): JobSet {
  const { job, cron, run } = cronJob;
  return {
    workers: [
      ...workers,
      worker(
        job,
        async () => {
          await run();
        },
        { concurrency: 1 },
      ),
    ],
    schedules: cron ? [{ job, cron, payload: {} }] : [],
  };
}
