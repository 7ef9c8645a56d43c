// Report schedules: a report for the period just ended, on a cron schedule, delivered to webhooks
// and/or an S3 bucket (admin or auditor).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { RegionSchema } from "../../kernel/aws-ids.js";
import type { ReportSchedulesService } from "../../modules/reports/report-schedules.service.js";
import { REPORT_PERIODS, type ReportSchedule } from "../../modules/reports/report-schedules.types.js";
import { REPORT_FORMATS } from "../../modules/reports/reports.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, Scope, StrictObject } from "../schemas.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Recipients = Type.Object(
  {
    webhookIds: Type.Array(Type.String({ format: "uuid" }), {
      maxItems: 20,
      description: "Registered webhooks (GET /v1/webhooks) sent event report.ready",
    }),
    s3: Type.Optional(
      StrictObject({
        bucket: Type.String({
          minLength: 3,
          maxLength: 63,
          description: "Bucket the report is written to (PutObject)",
        }),
        prefix: Type.String({ maxLength: 512, default: "", description: "Key prefix, e.g. compliance/monthly/" }),
        region: Type.Optional(RegionSchema({ description: "The bucket's Region (default: AWS_HOME_REGION)" })),
      }),
    ),
  },
  { additionalProperties: false },
);

const ScheduleBody = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  cron: Type.String({ maxLength: 128, description: "5-field cron expression, e.g. `0 6 1 * *`" }),
  timezone: Type.String({ maxLength: 64, default: "UTC", description: "IANA time zone of the cron and the period" }),
  scope: Scope,
  format: Type.Enum(REPORT_FORMATS),
  period: Type.Enum(REPORT_PERIODS, { description: "The day, ISO week or month that ended before each run" }),
  recipients: Recipients,
});

const ReportScheduleSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    cron: Type.String(),
    timezone: Type.String(),
    scope: Scope,
    format: Type.Enum(REPORT_FORMATS),
    period: Type.Enum(REPORT_PERIODS),
    recipients: Type.Object({
      webhookIds: Type.Array(Type.String()),
      s3: Type.Optional(
        Type.Object({ bucket: Type.String(), prefix: Type.String(), region: Type.Optional(Type.String()) }),
      ),
    }),
    runsAs: Type.String({ description: "The principal each run acts as (who created the schedule)" }),
    createdAt: IsoDateTime(),
    nextRunAt: IsoDateTime(),
    lastRunAt: Nullable(IsoDateTime()),
  },
  { title: "ReportSchedule" },
);

const view = (s: ReportSchedule) => ({
  id: s.id,
  name: s.name,
  cron: s.cron,
  timezone: s.timezone,
  scope: s.scope,
  format: s.format,
  period: s.period,
  recipients: s.recipients,
  runsAs: s.actor.name ? `${s.actor.name} (${s.actor.id})` : s.actor.id,
  createdAt: s.createdAt.toISOString(),
  nextRunAt: s.nextRunAt.toISOString(),
  lastRunAt: s.lastRunAt?.toISOString() ?? null,
});

const IdParams = StrictObject({ id: Type.String({ format: "uuid" }) });
const auth = { auth: ["auditor" as const] };

export const reportScheduleRoutes: FastifyPluginAsyncTypebox<{ schedules: ReportSchedulesService }> = async (
  app,
  { schedules },
) => {
  app.get(
    "/report-schedules",
    {
      config: auth,
      schema: {
        operationId: "listReportSchedules",
        tags: ["reports"],
        summary: "Report schedules, by name",
        response: { 200: Type.Object({ items: Type.Array(ReportScheduleSchema) }), ...errorResponses() },
      },
    },
    async (request) => ({ items: (await schedules.list(callContext(request))).map(view) }),
  );

  app.post(
    "/report-schedules",
    {
      config: auth,
      schema: {
        operationId: "createReportSchedule",
        tags: ["reports"],
        summary: "Schedule a report (runs as the caller), delivered to webhooks and/or an S3 bucket; audited",
        body: ScheduleBody,
        response: { 201: ReportScheduleSchema, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const created = await schedules.create(callContext(request), {
        ...b,
        recipients: {
          webhookIds: b.recipients.webhookIds,
          ...(b.recipients.s3
            ? {
                s3: {
                  bucket: b.recipients.s3.bucket,
                  prefix: b.recipients.s3.prefix,
                  ...(b.recipients.s3.region ? { region: b.recipients.s3.region } : {}),
                },
              }
            : {}),
        },
      });
      return reply.status(201).header("location", `/v1/report-schedules/${created.id}`).send(view(created));
    },
  );

  app.get(
    "/report-schedules/:id",
    {
      config: auth,
      schema: {
        operationId: "getReportSchedule",
        tags: ["reports"],
        summary: "A report schedule",
        params: IdParams,
        response: { 200: ReportScheduleSchema, ...errorResponses(404) },
      },
    },
    async (request) => view(await schedules.get(callContext(request), request.params.id)),
  );

  app.delete(
    "/report-schedules/:id",
    {
      config: auth,
      schema: {
        operationId: "deleteReportSchedule",
        tags: ["reports"],
        summary: "Delete a report schedule (its reports stay); audited",
        params: IdParams,
        response: { 204: Type.Null({ description: "Deleted" }), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await schedules.remove(callContext(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/report-schedules/:id/runs",
    {
      config: auth,
      schema: {
        operationId: "runReportSchedule",
        tags: ["reports"],
        summary: "Run a schedule now for the period that ended before now (as the schedule's actor); audited",
        params: IdParams,
        response: {
          202: Type.Object({ reportId: Type.String({ format: "uuid" }) }, { title: "ReportScheduleRun" }),
          ...errorResponses(404, 422),
        },
      },
    },
    async (request, reply) => {
      const report = await schedules.runNow(callContext(request), request.params.id);
      return reply.status(202).header("location", `/v1/reports/${report.id}`).send({ reportId: report.id });
    },
  );
};
