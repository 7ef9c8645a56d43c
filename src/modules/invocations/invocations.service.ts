// Invocation use cases: starting an ingestion from CloudTrail (the jobs in invocations.jobs.ts read
// it), the analyses over the stored events, and the reads behind the API.

import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AwsAccess } from "../../aws/aws-access.js";
import type { InvocationsConfig } from "../../config.js";
import type { Database } from "../../db/prisma.js";
import type { JobQueue } from "../../jobs/queue.js";
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
import { INVOCATION_JOBS } from "./invocations.jobs.js";
import type {
  DeniedBurst,
  Ingestion,
  IngestionParams,
  InvocationRow,
  InvocationSource,
  UnusedGrant,
  UsageRow,
} from "./invocations.types.js";
import { MANTLE_LOOKUP_WARNING, mantleTrailWarning } from "./mantle-trail.js";

const DAY_MS = 86_400_000;

/** The invocations configuration, and the Region the service's own AWS calls go to. */
export interface InvocationSettings extends InvocationsConfig {
  homeRegion: string;
}

const isEventCursor = (v: unknown): v is { t: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { t?: unknown }).t === "string" &&
  !Number.isNaN(Date.parse((v as { t: string }).t)) &&
  typeof (v as { id?: unknown }).id === "string";

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

  async function resolveS3(
    params: IngestionParams,
  ): Promise<
    Required<Pick<IngestionParams, "bucket" | "bucketAccount" | "bucketRegion" | "orgId">> &
      Pick<IngestionParams, "keyPrefix">
  > {
    const bucket = params.bucket ?? settings.trailBucket;
    const bucketAccount = params.bucketAccount ?? settings.trailBucketAccount;
    if (bucket === undefined || bucketAccount === undefined)
      throw new UnprocessableError(
        "S3 ingestion needs the organization trail's bucket and the account that owns it (INVOCATIONS_TRAIL_BUCKET, INVOCATIONS_TRAIL_BUCKET_ACCOUNT, or bucket/bucketAccount)",
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
      ...((params.keyPrefix ?? settings.trailKeyPrefix)
        ? { keyPrefix: params.keyPrefix ?? settings.trailKeyPrefix }
        : {}),
    };
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
    // bedrock-mantle inference is a data event: say where it cannot be seen (mantle-trail.ts).
    const mantleWarning =
      s3 === undefined ? MANTLE_LOOKUP_WARNING : await mantleTrailWarning(deps.aws, settings.homeRegion, s3.bucket);
    const warnings = mantleWarning === undefined ? [] : [mantleWarning];
    const id = randomUUID();
    const stored: IngestionParams = { ...params, ...(s3 ?? {}) };
    const created = await deps.db.transaction(async (tx) => {
      const row = await ingestions.create(
        {
          id,
          source,
          params: stored,
          warnings,
          requestedBy: ctx.principal.id,
          jobsTotal: targets.length,
          now: clock.now(),
        },
        tx,
      );
      await deps.audit.record(
        ctx,
        {
          action: "invocation_ingestion.request",
          targetType: "invocation_ingestion",
          targetId: id,
          after: { source, targets: targets.length, ...stored, ...(warnings.length > 0 ? { warnings } : {}) },
        },
        tx,
      );
      return row;
    });
    await deps.queue.insert(
      INVOCATION_JOBS[source],
      targets.map((t) => ({ payload: { ingestionId: id, accountId: t.accountId, region: t.region, ...(s3 ?? {}) } })),
    );
    return created;
  }

  return {
    analyze,

    /**
     * The schedule's ingestion of every account-Region: from the organization trail's bucket when
     * one is configured, else through LookupEvents (every account's event history has it). Before
     * the first inventory sync there is nothing to read: that is skipped, not retried.
     */
    async startScheduledIngestion(): Promise<Ingestion | undefined> {
      const source: InvocationSource =
        settings.trailBucket !== undefined && settings.trailBucketAccount !== undefined ? "s3" : "lookup";
      try {
        return await request({ principal: SYSTEM_PRINCIPAL }, source, {});
      } catch (err) {
        if (err instanceof UnprocessableError && err.code === "NO_TARGETS") {
          deps.log.info("scheduled invocation ingestion skipped: no account-Region synced yet");
          return undefined;
        }
        throw err;
      }
    },

    /** Starts an ingestion (admin): one job per account-Region of the inventory in scope. */
    async requestIngestion(ctx: CallContext, source: InvocationSource, params: IngestionParams): Promise<Ingestion> {
      // Auditors gather the evidence they report on; the ingestion only reads CloudTrail.
      if (!hasRole(ctx.principal, "admin", "auditor"))
        throw new ForbiddenError("starting an ingestion needs the admin or auditor role");
      return request(ctx, source, params);
    },

    async getIngestion(ctx: CallContext, id: string): Promise<Ingestion> {
      viewer(ctx);
      const found = /^[0-9a-f-]{36}$/i.test(id) ? await ingestions.byId(id) : undefined;
      if (!found) throw new NotFoundError(`ingestion ${id} not found`);
      return found;
    },

    /** The newest ingestions (their status is what the console's home page shows). */
    async latestIngestions(ctx: CallContext, limit: number): Promise<Ingestion[]> {
      viewer(ctx);
      return ingestions.latest(limit);
    },

    /** Re-runs the unapproved-invocation analysis over a period (admin), audited. */
    async analyzeNow(ctx: CallContext, req: { from: Date; to: Date; accountIds?: string[] }) {
      if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError("running the analysis needs the admin role");
      checkRange(req.from, req.to, "body");
      const result = await analyze(req);
      await deps.db.transaction((tx) =>
        deps.audit.record(
          ctx,
          {
            action: "invocation_analysis.run",
            targetType: "invocation_analysis",
            after: { from: req.from.toISOString(), to: req.to.toISOString(), ...result },
          },
          tx,
        ),
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
        scope: e.scope.kind === "organization" ? { kind: "organization" } : { kind: e.scope.kind, id: e.scope.id },
        owner: e.owner,
        expiresAt: e.expiresAt ?? null,
      }));
    },
  };
}

export type InvocationsService = ReturnType<typeof createInvocationsService>;
