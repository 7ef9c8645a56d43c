// Scheduled reports: the dispatcher (a cron job) starts due schedules; once a scheduled report is
// ready, one delivery job per channel tells the schedule's webhooks (through the webhook outbox:
// signed, retried, destination-checked) and writes the report to its S3 bucket. Each delivery is
// audited as the schedule's actor.
import type { Logger } from "pino";
import type { S3Api } from "../../aws/api/s3.js";
import type { Database, Tx } from "../../db/prisma.js";
import { type Attempt, defineCronJob, defineJob, type JobSet, withCronJob, worker } from "../../jobs/job.js";
import type { JobQueue } from "../../jobs/queue.js";
import type { CallContext } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import { CONTENT_TYPES, FILE_SUFFIXES } from "./render-report.js";
import type { ReportSchedulesRepository } from "./report-schedules.repository.js";
import type { ReportSchedulesService } from "./report-schedules.service.js";
import type { ReportsRepository } from "./reports.repository.js";
import type { Report } from "./reports.types.js";

type Channel = "webhooks" | "s3";

export const REPORT_DELIVERY_JOBS = {
  deliver: defineJob<{ reportId: string; channel: Channel }>("reports.deliver", {
    retryLimit: 5,
    retryDelaySeconds: 10,
    retryBackoff: true,
    expireInSeconds: 900,
  }),
  dispatch: defineCronJob("reports.schedules.dispatch"),
};

export interface ReportDeliveryDeps {
  db: Database;
  reports: ReportsRepository;
  schedules: ReportSchedulesRepository;
  service: Pick<ReportSchedulesService, "runDue">;
  audit: AuditService;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  /** Writes deliveries to the webhook outbox in `tx` (idempotent per webhook and event id); returns their ids. */
  webhookDeliveries(
    rows: Array<{ webhookId: string; eventId: string; eventType: string; payload: unknown }>,
    tx: Tx,
  ): Promise<string[]>;
  /** Queues the webhook delivery jobs (after the outbox rows committed). */
  dispatchWebhooks(ids: string[]): Promise<void>;
  s3(region?: string): Pick<S3Api, "putObject">;
  /** Cron of the dispatcher (REPORT_SCHEDULES_CRON); undefined: off. */
  cron: string | undefined;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Queues the deliveries of a scheduled report once it is ready (the render job's afterReady). */
export function deliveryAfterReady(deps: Pick<ReportDeliveryDeps, "schedules" | "queue" | "log">) {
  return async (report: Report): Promise<void> => {
    if (!report.scheduleId) return;
    const schedule = await deps.schedules.find(report.scheduleId);
    if (!schedule) return;
    const channels: Channel[] = [
      ...(schedule.recipients.webhookIds.length > 0 ? (["webhooks"] as const) : []),
      ...(schedule.recipients.s3 ? (["s3"] as const) : []),
    ];
    for (const channel of channels)
      await deps.queue.send(
        REPORT_DELIVERY_JOBS.deliver,
        { reportId: report.id, channel },
        { singletonKey: `report-delivery:${report.id}:${channel}` },
      );
  };
}

export function createReportDeliveryJobs(deps: ReportDeliveryDeps): JobSet {
  const { db, audit, clock } = deps;

  async function deliver(reportId: string, channel: Channel, attempt: Attempt): Promise<void> {
    const report = await deps.reports.byId(reportId);
    if (report?.status !== "ready" || !report.scheduleId) return;
    const schedule = await deps.schedules.find(report.scheduleId);
    if (!schedule) return;
    const ctx: CallContext = { principal: schedule.actor, requestId: `schedule:${schedule.id}` };
    const base = { scheduleId: schedule.id, schedule: schedule.name, channel, sha256: report.sha256 };
    if (channel === "webhooks") {
      const payload = {
        type: "report.ready",
        occurredAt: clock.now().toISOString(),
        summary: `Scheduled report "${schedule.name}" (${report.format}, ${day(report.from)} to ${day(report.to)}) is ready`,
        data: {
          reportId: report.id,
          scheduleId: schedule.id,
          format: report.format,
          from: report.from.toISOString(),
          to: report.to.toISOString(),
          sha256: report.sha256,
          sizeBytes: report.sizeBytes,
          downloadUrl: `/v1/reports/${report.id}/download`,
          signatureUrl: `/v1/reports/${report.id}/signature`,
        },
      };
      const ids = await db.transaction(async (tx) => {
        // The report id is the event id: a retried job writes no second delivery per webhook.
        const rows = schedule.recipients.webhookIds.map((webhookId) => ({
          webhookId,
          eventId: report.id,
          eventType: "report.ready",
          payload,
        }));
        const written = await deps.webhookDeliveries(rows, tx);
        await audit.record(
          ctx,
          {
            action: "report.deliver",
            targetType: "report",
            targetId: report.id,
            after: { ...base, webhookIds: schedule.recipients.webhookIds, deliveryIds: written },
          },
          tx,
        );
        return written;
      });
      await deps.dispatchWebhooks(ids);
      return;
    }
    const s3 = schedule.recipients.s3;
    if (!s3) return;
    const key = `${s3.prefix}${day(report.from)}_${day(report.to)}_${report.id}${FILE_SUFFIXES[report.format]}`;
    const parts: Buffer[] = [];
    for await (const chunk of deps.reports.chunks(report.id)) parts.push(chunk);
    const body = Buffer.concat(parts);
    const record = (after: Record<string, unknown>) =>
      db.transaction((tx) =>
        audit.record(ctx, { action: "report.deliver", targetType: "report", targetId: report.id, after }, tx),
      );
    try {
      const out = await deps.s3(s3.region).putObject({
        bucket: s3.bucket,
        key,
        body,
        contentType: CONTENT_TYPES[report.format],
        metadata: { "report-id": report.id, sha256: report.sha256 ?? "" },
      });
      await record({ ...base, bucket: s3.bucket, key, sizeBytes: body.length, etag: out.etag, outcome: "delivered" });
    } catch (err) {
      deps.log.warn({ err, reportId, bucket: s3.bucket }, "scheduled report could not be written to S3");
      if (attempt.lastAttempt)
        await record({
          ...base,
          bucket: s3.bucket,
          key,
          outcome: "failed",
          error: err instanceof Error ? err.message.slice(0, 500) : String(err),
        });
      throw err;
    }
  }

  return withCronJob(
    [
      worker(REPORT_DELIVERY_JOBS.deliver, ({ reportId, channel }, attempt) => deliver(reportId, channel, attempt), {
        concurrency: 2,
        pollingIntervalSeconds: 0.5,
      }),
    ],
    { job: REPORT_DELIVERY_JOBS.dispatch, cron: deps.cron, run: () => deps.service.runDue() },
  );
}
