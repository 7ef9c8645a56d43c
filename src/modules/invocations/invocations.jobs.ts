// Ingesting Bedrock invocations from CloudTrail is a job per account-Region: LookupEvents (both
// Bedrock event sources, paced at the 2 TPS quota) or the organization trail's gzip files in S3,
// normalized by one function, written in batches, with a checkpoint that moves only after the
// rows are written. Each finished job runs the unapproved-invocation analysis over what it read.
import { gunzipSync } from "node:zlib";
import type { Logger } from "pino";
import type { AwsAccess } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import { defineCronJob, defineJob, type JobSet, withCronJob, worker } from "../../jobs/job.js";
import type { Clock } from "../../lib/clock.js";
import type { IngestionMetrics } from "../../lib/metrics.js";
import { createEventsWriter } from "./events-writer.js";
import type { IngestionRepository } from "./ingestion.repository.js";
import type { InvocationEventsRepository } from "./invocation-events.repository.js";
import type { IngestionJobResult, InvocationSource } from "./invocations.types.js";
import { BEDROCK_EVENT_SOURCES, normalizeRecord } from "./normalize.js";
import { trailKeyAt, trailKeyTime, trailPrefix } from "./trail-keys.js";

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 90;

export interface IngestPayload {
  ingestionId: string;
  accountId: string;
  region: string;
  /** S3 only. */
  bucket?: string;
  bucketAccount?: string;
  bucketRegion?: string;
  orgId?: string;
  keyPrefix?: string;
}

/** The organization trail's files are not where the configuration says. */
class TrailLayoutError extends Error {}

const INGEST_POLICY = { retryLimit: 5, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 3600 };

export const INVOCATION_JOBS = {
  lookup: defineJob<IngestPayload>("invocations.ingest-lookup", INGEST_POLICY),
  s3: defineJob<IngestPayload>("invocations.ingest-s3", INGEST_POLICY),
  scheduled: defineCronJob("invocations.ingest-scheduled"),
};

export function createInvocationsJobs(deps: {
  events: InvocationEventsRepository;
  ingestions: IngestionRepository;
  aws: AwsAccess;
  clock: Clock;
  log: Logger;
  metrics: IngestionMetrics;
  settings: { lookbackDays: number; overlapMinutes: number; ingestCron: string | undefined };
  /** The unapproved-invocation analysis (the invocations service's). */
  analyze(req: { from: Date; to: Date; accountIds?: string[] }): Promise<unknown>;
  /** An ingestion of every account-Region, started by the schedule (the service's use case). */
  startScheduledIngestion(): Promise<unknown>;
}): JobSet {
  const { events, ingestions, clock, settings } = deps;
  const overlapMs = settings.overlapMinutes * 60_000;

  async function ingestLookup(job: IngestPayload): Promise<IngestionJobResult> {
    const api = deps.aws.account(job.accountId).cloudtrail(job.region);
    const w = createEventsWriter(events);
    const end = clock.now();
    const oldest = end.getTime() - RETENTION_DAYS * DAY_MS + 60_000;
    for (const eventSource of BEDROCK_EVENT_SOURCES) {
      const checkpointId = `lookup:${job.accountId}:${job.region}:${eventSource}`;
      const cp = await ingestions.checkpoint(checkpointId);
      const startMs =
        cp?.position != null ? cp.position.getTime() - overlapMs : end.getTime() - settings.lookbackDays * DAY_MS;
      const start = new Date(Math.max(startMs, oldest));
      let nextToken: string | undefined;
      do {
        // Throttled pages are retried by the client (adaptive retries under the 2 TPS pacing);
        // if they still fail the job fails before the checkpoint moves, and is retried whole.
        const page = await api.lookupEvents({
          eventSource,
          startTime: start,
          endTime: end,
          ...(nextToken ? { nextToken } : {}),
        });
        w.stats.pages++;
        for (const e of page.events) {
          if (typeof e.CloudTrailEvent !== "string") continue;
          let record: unknown;
          try {
            record = JSON.parse(e.CloudTrailEvent);
          } catch {
            deps.log.warn(
              { eventId: e.EventId, account: job.accountId, region: job.region },
              "unreadable CloudTrail event",
            );
            continue;
          }
          await w.add(normalizeRecord(record));
        }
        nextToken = page.nextToken;
      } while (nextToken);
      await w.flush();
      await ingestions.advance(
        { id: checkpointId, source: "lookup", accountId: job.accountId, region: job.region, position: end },
        clock.now(),
      );
    }
    return w.result();
  }

  async function ingestS3(job: IngestPayload): Promise<IngestionJobResult> {
    const { bucket, bucketAccount, bucketRegion, orgId } = job as Required<IngestPayload>;
    const s3 = deps.aws.account(bucketAccount).s3(bucketRegion);
    const prefix = trailPrefix(orgId, job.accountId, job.region, job.keyPrefix);
    const checkpointId = `s3:${bucket}:${prefix}`;
    const cp = await ingestions.checkpoint(checkpointId);
    const lastTime = cp?.lastKey ? trailKeyTime(cp.lastKey) : undefined;
    // Re-read the overlap before the last file: late deliveries can sort before it (dedupe absorbs the rest).
    const startAfter =
      lastTime !== undefined
        ? trailKeyAt(prefix, job.accountId, job.region, new Date(lastTime.getTime() - overlapMs))
        : trailKeyAt(
            prefix,
            job.accountId,
            job.region,
            new Date(clock.now().getTime() - settings.lookbackDays * DAY_MS),
          );
    const w = createEventsWriter(events);
    let listed = 0;
    let token: string | undefined;
    do {
      const page = await s3.listObjects({
        bucket,
        prefix,
        startAfter,
        maxKeys: 1000,
        ...(token ? { continuationToken: token } : {}),
      });
      w.stats.pages++;
      listed += page.objects.length;
      let lastKey: string | undefined;
      for (const o of page.objects) {
        if (!o.key.endsWith(".json.gz")) continue;
        const body = await s3.getObject(bucket, o.key);
        let records: unknown[] = [];
        try {
          const parsed = JSON.parse(gunzipSync(body).toString("utf8")) as { Records?: unknown };
          records = Array.isArray(parsed.Records) ? parsed.Records : [];
        } catch {
          deps.log.warn({ key: o.key }, "unreadable CloudTrail file skipped");
        }
        for (const r of records) await w.add(normalizeRecord(r));
        lastKey = o.key;
      }
      // Written before the checkpoint moves past the page's files.
      await w.flush();
      if (lastKey !== undefined)
        await ingestions.advance(
          { id: checkpointId, source: "s3", accountId: job.accountId, region: job.region, lastKey },
          clock.now(),
        );
      token = page.nextContinuationToken;
    } while (token);
    // Nothing at all under the organization's folder means the trail delivers elsewhere (a key
    // prefix not configured here, another organization id): say so instead of "no calls".
    if (listed === 0) {
      const orgFolder = trailPrefix(orgId, job.accountId, job.region, job.keyPrefix).split(
        `${job.accountId}/`,
      )[0] as string;
      const any = await s3.listObjects({ bucket, prefix: orgFolder, maxKeys: 1 });
      if (any.objects.length === 0)
        throw new TrailLayoutError(
          `no CloudTrail files under s3://${bucket}/${orgFolder}: if the organization trail has an S3 key prefix (DescribeTrails S3KeyPrefix), set keyPrefix or INVOCATIONS_TRAIL_KEY_PREFIX`,
        );
    }
    return w.result();
  }

  async function runJob(source: InvocationSource, job: IngestPayload, lastAttempt: boolean): Promise<void> {
    await ingestions.markRunning(job.ingestionId);
    let result: IngestionJobResult;
    try {
      result = source === "lookup" ? await ingestLookup(job) : await ingestS3(job);
    } catch (err) {
      // A configuration problem or a permanent refusal (a role that cannot be assumed, a denied
      // action) does not go away by retrying: recorded at once, not retried with backoff.
      const permanent = err instanceof TrailLayoutError || (err instanceof AwsGateError && !err.retryable);
      if (lastAttempt || permanent) {
        const closed = await ingestions.jobFinished(
          job.ingestionId,
          { error: err instanceof Error ? err.message : String(err) },
          clock.now(),
        );
        deps.metrics.ingestionJob(source, "error");
        if (closed && closed.status !== "running") deps.metrics.ingestionFinished(source, closed.status);
      } else deps.metrics.ingestionJob(source, "retrying");
      if (permanent) {
        deps.log.warn({ ...job, source, err }, "ingestion of an account-Region refused; not retried");
        return;
      }
      throw err;
    }
    if (result.from !== undefined && result.to !== undefined)
      await deps.analyze({ from: result.from, to: result.to, accountIds: [job.accountId] });
    const closed = await ingestions.jobFinished(job.ingestionId, result, clock.now());
    deps.metrics.ingestionJob(source, "ok", { read: result.eventsRead, added: result.eventsAdded });
    if (closed && closed.status !== "running") deps.metrics.ingestionFinished(source, closed.status);
    deps.log.info({ ...job, source, ...result }, "invocations ingested");
  }

  return withCronJob(
    [
      // Each account-Region has its own 2 TPS quota, paced by the client: they run side by side.
      worker(INVOCATION_JOBS.lookup, (p, attempt) => runJob("lookup", p, attempt.lastAttempt), {
        concurrency: 8,
        pollingIntervalSeconds: 0.5,
      }),
      worker(INVOCATION_JOBS.s3, (p, attempt) => runJob("s3", p, attempt.lastAttempt), {
        concurrency: 4,
        pollingIntervalSeconds: 0.5,
      }),
    ],
    { job: INVOCATION_JOBS.scheduled, cron: settings.ingestCron, run: () => deps.startScheduledIngestion() },
  );
}
