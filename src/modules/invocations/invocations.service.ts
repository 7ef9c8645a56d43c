// Invocation audit use cases: ingestion from CloudTrail (LookupEvents per account-Region, or the
// organization trail's files in S3) as jobs with checkpoints, the analyses over the stored
// events, and the reads behind the API.

import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { Logger } from "pino";
import type { AwsAccess } from "../../aws/aws-access.js";
import type { AuditConfig } from "../../config.js";
import type { Database } from "../../db/prisma.js";
import type { JobDefinition, JobQueue, JobSchedule } from "../../jobs/queue.js";
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole, SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { DesiredStateSource } from "../catalog/catalog.types.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import {
  AllowCache,
  expiryPoints,
  likelyGate,
  mergeUnapproved,
  splitInterval,
  unapprovedIn,
  unusedEntries,
} from "./analysis.js";
import type { AnalysisRepository } from "./analysis.repository.js";
import type { IngestionRepository } from "./ingestion.repository.js";
import type {
  EventFilter,
  InvocationEventsRepository,
  InvocationGroup,
  UsageDimension,
} from "./invocation-events.repository.js";
import type {
  DeniedBurst,
  Ingestion,
  IngestionJobResult,
  IngestionParams,
  InvocationRow,
  InvocationSource,
  UnusedGrant,
  UsageRow,
} from "./invocations.types.js";
import { BEDROCK_EVENT_SOURCES, normalizeRecord } from "./normalize.js";

export const INVOCATION_JOBS = {
  lookup: "audit.ingest-lookup",
  s3: "audit.ingest-s3",
  scheduled: "audit.ingest-scheduled",
} as const;

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 90;
const JOB_RETRIES = 5;
/** Rows buffered before one set-based write. */
export const WRITE_BATCH = 5_000;

interface IngestJob {
  ingestionId: string;
  accountId: string;
  region: string;
  /** S3 only. */
  bucket?: string;
  bucketAccount?: string;
  bucketRegion?: string;
  orgId?: string;
}

/** The audit configuration, and the Region the service's own AWS calls go to. */
export interface InvocationSettings extends AuditConfig {
  homeRegion: string;
}

const isEventCursor = (v: unknown): v is { t: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { t?: unknown }).t === "string" &&
  !Number.isNaN(Date.parse((v as { t: string }).t)) &&
  typeof (v as { id?: unknown }).id === "string";

/** `AWSLogs/<org>/<account>/CloudTrail/<region>/` */
export const trailPrefix = (orgId: string, accountId: string, region: string) =>
  `AWSLogs/${orgId}/${accountId}/CloudTrail/${region}/`;

/**
 * The StartAfter key for reading a trail prefix from `at` on: files are named
 * `<prefix>YYYY/MM/DD/<account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<id>.json.gz`, so keys sort by
 * delivery time within a prefix.
 */
export function trailKeyAt(prefix: string, accountId: string, region: string, at: Date): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10).replace(/-/g, "/");
  const stamp = `${iso.slice(0, 16).replace(/[-:]/g, "")}Z`;
  return `${prefix}${day}/${accountId}_CloudTrail_${region}_${stamp}`;
}

/** The delivery time in a trail file key, when it has one. */
export function trailKeyTime(key: string): Date | undefined {
  const m = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$/.exec(key);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:00Z`);
}

export function createInvocationsService(deps: {
  db: Database;
  events: InvocationEventsRepository;
  ingestions: IngestionRepository;
  analysis: AnalysisRepository;
  facts: PolicyFactsRepository;
  desired: DesiredStateSource;
  aws: AwsAccess;
  queue: JobQueue;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  settings: InvocationSettings;
}) {
  const { events, ingestions, clock, settings } = deps;
  const overlapMs = settings.overlapMinutes * 60_000;

  /** Buffers rows and writes them in batches; tracks counts and the event-time range. */
  function writer() {
    let buffer: InvocationRow[] = [];
    const stats: IngestionJobResult = { eventsRead: 0, eventsAdded: 0, pages: 0 };
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    return {
      stats,
      async add(row: InvocationRow | undefined) {
        if (row === undefined) return;
        stats.eventsRead++;
        const t = row.eventTime.getTime();
        if (t < min) min = t;
        if (t > max) max = t;
        buffer.push(row);
        if (buffer.length >= WRITE_BATCH) await this.flush();
      },
      async flush() {
        if (buffer.length === 0) return;
        const rows = buffer;
        buffer = [];
        stats.eventsAdded += await events.write(rows);
      },
      result(): IngestionJobResult {
        return Number.isFinite(min) ? { ...stats, from: new Date(min), to: new Date(max + 1) } : { ...stats };
      },
    };
  }

  async function ingestLookup(job: IngestJob): Promise<IngestionJobResult> {
    const api = deps.aws.account(job.accountId).cloudtrail(job.region);
    const w = writer();
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

  async function resolveS3(
    params: IngestionParams,
  ): Promise<Required<Pick<IngestionParams, "bucket" | "bucketAccount" | "bucketRegion" | "orgId">>> {
    const bucket = params.bucket ?? settings.trailBucket;
    const bucketAccount = params.bucketAccount ?? settings.trailBucketAccount;
    if (bucket === undefined || bucketAccount === undefined)
      throw new UnprocessableError(
        "S3 ingestion needs the organization trail's bucket and the account that owns it (AUDIT_TRAIL_BUCKET, AUDIT_TRAIL_BUCKET_ACCOUNT, or bucket/bucketAccount)",
        [{ field: bucket === undefined ? "body.bucket" : "body.bucketAccount", message: "is required for source s3" }],
        "TRAIL_BUCKET_UNKNOWN",
      );
    const orgId = params.orgId ?? (await deps.aws.organizations().describeOrganization())?.Id;
    if (orgId === undefined)
      throw new UnprocessableError(
        "the organization id is unknown",
        [{ field: "body.orgId", message: "is required" }],
        "ORGANIZATION_UNKNOWN",
      );
    return {
      bucket,
      bucketAccount,
      bucketRegion: params.bucketRegion ?? settings.trailBucketRegion ?? settings.homeRegion,
      orgId,
    };
  }

  async function ingestS3(job: IngestJob): Promise<IngestionJobResult> {
    const { bucket, bucketAccount, bucketRegion, orgId } = job as Required<IngestJob>;
    const s3 = deps.aws.account(bucketAccount).s3(bucketRegion);
    const prefix = trailPrefix(orgId, job.accountId, job.region);
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
    const w = writer();
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
    return w.result();
  }

  async function runJob(source: InvocationSource, job: IngestJob, lastAttempt: boolean): Promise<void> {
    await ingestions.markRunning(job.ingestionId);
    let result: IngestionJobResult;
    try {
      result = source === "lookup" ? await ingestLookup(job) : await ingestS3(job);
    } catch (err) {
      if (lastAttempt)
        await ingestions.jobFinished(
          job.ingestionId,
          { error: err instanceof Error ? err.message : String(err) },
          clock.now(),
        );
      throw err;
    }
    if (result.from !== undefined && result.to !== undefined)
      await analyze({ from: result.from, to: result.to, accountIds: [job.accountId] });
    await ingestions.jobFinished(job.ingestionId, result, clock.now());
    deps.log.info({ ...job, source, ...result }, "invocations ingested");
  }

  /** Finds unapproved invocations in [from, to) and records them as findings. */
  async function analyze(req: { from: Date; to: Date; accountIds?: string[] }): Promise<{
    intervals: number;
    unapprovedGroups: number;
    findingsCreated: number;
    findingsUpdated: number;
  }> {
    const [lineages, models, profiles, points] = await Promise.all([
      deps.analysis.lineages(),
      deps.facts.models(),
      deps.facts.profiles(),
      deps.analysis.catalogChangePoints(req.from, req.to),
    ]);
    const facts = { lineages, models, profiles };
    const hits: InvocationGroup[] = [];
    let intervals = 0;
    // One desired-state read and one grouped query per interval in which the catalog did not change.
    for (const iv of splitInterval(req.from, req.to, points)) {
      const entries = await deps.desired.entries(iv.from);
      for (const sub of splitInterval(iv.from, iv.to, expiryPoints(entries))) {
        intervals++;
        const groups = await events.groups(sub.from, sub.to, req.accountIds);
        if (groups.length === 0) continue;
        hits.push(...unapprovedIn(groups, new AllowCache(entries, sub.from, facts)));
      }
    }
    const findings = mergeUnapproved(hits, { from: req.from, to: req.to });
    const written = await deps.analysis.upsertUnapproved(findings, clock.now());
    return {
      intervals,
      unapprovedGroups: hits.length,
      findingsCreated: written.created,
      findingsUpdated: written.updated,
    };
  }

  function checkRange(from: Date, to: Date, where: "query" | "body" = "query", maxDays = 400) {
    if (from.getTime() >= to.getTime())
      throw new ValidationError("`from` must be before `to`", [
        { field: `${where}.from`, message: "must be before `to`" },
      ]);
    if (to.getTime() - from.getTime() > maxDays * DAY_MS)
      throw new ValidationError(`the range is longer than ${maxDays} days`, [
        { field: `${where}.to`, message: `at most ${maxDays} days after \`from\`` },
      ]);
  }

  const viewer = (ctx: CallContext) => {
    if (!hasRole(ctx.principal, "viewer", "auditor")) throw new ForbiddenError("needs the viewer or auditor role");
  };
  // Who called which model from where (principal ARNs, source IPs) is audit evidence: compliance
  // (auditor) and the platform team (admin) read it, not every viewer.
  const auditor = (ctx: CallContext) => {
    if (!hasRole(ctx.principal, "auditor"))
      throw new ForbiddenError("reading invocations needs the auditor or admin role");
  };

  async function request(ctx: CallContext, source: InvocationSource, params: IngestionParams): Promise<Ingestion> {
    const s3 = source === "s3" ? await resolveS3(params) : undefined;
    const targets = await ingestions.targets({
      ...(params.accountIds ? { accountIds: params.accountIds } : {}),
      ...(params.regions ? { regions: params.regions } : {}),
    });
    if (targets.length === 0)
      throw new UnprocessableError(
        "no account-Region of the inventory matches: run an inventory sync first, or widen accountIds/regions",
        [{ field: "body.accountIds", message: "matches no synced account-Region" }],
        "NO_TARGETS",
      );
    const id = randomUUID();
    const stored: IngestionParams = { ...params, ...(s3 ?? {}) };
    const created = await deps.db.transaction(async (tx) => {
      const row = await ingestions.create(tx, {
        id,
        source,
        params: stored,
        requestedBy: ctx.principal.id,
        jobsTotal: targets.length,
        now: clock.now(),
      });
      await deps.audit.record(tx, ctx, {
        action: "invocation_ingestion.request",
        targetType: "invocation_ingestion",
        targetId: id,
        after: { source, targets: targets.length, ...stored },
      });
      return row;
    });
    await deps.queue.insert(
      INVOCATION_JOBS[source],
      targets.map((t) => ({ data: { ingestionId: id, accountId: t.accountId, region: t.region, ...(s3 ?? {}) } })),
    );
    return created;
  }

  return {
    analyze,

    /** Starts an ingestion (admin): one job per account-Region of the inventory in scope. */
    async requestIngestion(ctx: CallContext, source: InvocationSource, params: IngestionParams): Promise<Ingestion> {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("starting an ingestion needs the admin role");
      return request(ctx, source, params);
    },

    async getIngestion(ctx: CallContext, id: string): Promise<Ingestion> {
      viewer(ctx);
      const found = /^[0-9a-f-]{36}$/i.test(id) ? await ingestions.byId(id) : undefined;
      if (!found) throw new NotFoundError(`ingestion ${id} not found`);
      return found;
    },

    /** Re-runs the unapproved-invocation analysis over a period (admin), audited. */
    async analyzeNow(ctx: CallContext, req: { from: Date; to: Date; accountIds?: string[] }) {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("running the analysis needs the admin role");
      checkRange(req.from, req.to, "body");
      const result = await analyze(req);
      await deps.db.transaction((tx) =>
        deps.audit.record(tx, ctx, {
          action: "invocation_analysis.run",
          targetType: "invocation_analysis",
          after: { from: req.from.toISOString(), to: req.to.toISOString(), ...result },
        }),
      );
      return result;
    },

    async list(
      ctx: CallContext,
      filter: EventFilter,
      page: { limit: number; cursor?: string },
    ): Promise<Page<InvocationRow>> {
      auditor(ctx);
      checkRange(filter.from, filter.to);
      const cursor = decodeCursor(page.cursor, isEventCursor);
      const rows = await events.list(filter, {
        limit: page.limit + 1,
        ...(cursor ? { after: { time: new Date(cursor.t), id: cursor.id } } : {}),
      });
      return toPage(rows, page.limit, (last) => ({ t: last.eventTime.toISOString(), id: last.eventId }));
    },

    async usage(
      ctx: CallContext,
      req: { from: Date; to: Date; by: UsageDimension; accountId?: string },
    ): Promise<UsageRow[]> {
      auditor(ctx);
      checkRange(req.from, req.to);
      return events.usage(req.from, req.to, req.by, req.accountId ? { accountIds: [req.accountId] } : {});
    },

    async deniedBursts(
      ctx: CallContext,
      req: { from: Date; to: Date; windowMinutes: number; threshold: number; accountId?: string },
    ): Promise<DeniedBurst[]> {
      auditor(ctx);
      checkRange(req.from, req.to);
      const rows = await events.deniedBursts(req.from, req.to, {
        windowMinutes: req.windowMinutes,
        threshold: req.threshold,
        ...(req.accountId ? { accountIds: [req.accountId] } : {}),
      });
      return rows.map((r) => ({ ...r, likelyGate: likelyGate(r.errorCode, r.sampleMessage) }));
    },

    /** Catalog entries and grants in force with no successful invocation in the last `days` days. */
    async unusedGrants(ctx: CallContext, days: number): Promise<UnusedGrant[]> {
      auditor(ctx);
      const now = clock.now();
      const [entries, uses, lineages] = await Promise.all([
        deps.desired.entries(now),
        events.lastUses(new Date(now.getTime() - days * DAY_MS)),
        deps.analysis.lineages(),
      ]);
      return unusedEntries(entries, uses, lineages, now).map((e) => ({
        entryId: e.id,
        model: e.model,
        scope: e.scope.kind === "organization" ? "organization" : `${e.scope.kind}:${e.scope.id}`,
        owner: e.owner,
        expiresAt: e.expiresAt ?? null,
      }));
    },

    jobDefinitions(): JobDefinition[] {
      const queue = { retryLimit: JOB_RETRIES, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 };
      return [
        {
          name: INVOCATION_JOBS.lookup,
          queue,
          // Each account-Region has its own 2 TPS quota, paced by the client: they run side by side.
          concurrency: 8,
          pollingIntervalSeconds: 0.5,
          handler: (data, meta) => runJob("lookup", data as IngestJob, meta.retryCount >= JOB_RETRIES),
        },
        {
          name: INVOCATION_JOBS.s3,
          queue,
          concurrency: 4,
          pollingIntervalSeconds: 0.5,
          handler: (data, meta) => runJob("s3", data as IngestJob, meta.retryCount >= JOB_RETRIES),
        },
        {
          name: INVOCATION_JOBS.scheduled,
          queue: { policy: "singleton", retryLimit: 1 },
          concurrency: 1,
          handler: async () => {
            await request({ principal: SYSTEM_PRINCIPAL }, "lookup", {});
          },
        },
      ];
    },

    schedules(): JobSchedule[] {
      return settings.ingestCron ? [{ name: INVOCATION_JOBS.scheduled, cron: settings.ingestCron }] : [];
    },
  };
}

export type InvocationsService = ReturnType<typeof createInvocationsService>;
