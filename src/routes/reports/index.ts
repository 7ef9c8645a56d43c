import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { ReportsService } from "../../modules/reports/reports.service.js";
import { REPORT_FORMATS, REPORT_STATUSES, type Report } from "../../modules/reports/reports.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, PageOf, PageQuery, Scope, StrictObject } from "../schemas.js";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const ReportSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    format: Type.Enum(REPORT_FORMATS),
    status: Type.Enum(REPORT_STATUSES),
    from: IsoDateTime(),
    to: IsoDateTime(),
    scope: Scope,
    options: Type.Object({ includeEvents: Type.Optional(Type.Boolean()) }),
    requestedBy: Type.String(),
    createdAt: IsoDateTime(),
    finishedAt: Nullable(IsoDateTime()),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    stage: Type.String({ description: "Section being rendered" }),
    sizeBytes: Type.Integer(),
    error: Nullable(Type.String()),
    sha256: Nullable(
      Type.String({ description: "SHA-256 (hex) of the report's bytes, anchored in the audit log (report.sign)" }),
    ),
    scheduleId: Nullable(Type.String({ format: "uuid", description: "The report schedule that requested it" })),
    downloadUrl: Nullable(Type.String({ description: "Set when the report is ready" })),
  },
  { title: "Report" },
);

const view = (r: Report) => ({
  ...r,
  from: r.from.toISOString(),
  to: r.to.toISOString(),
  createdAt: r.createdAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  downloadUrl: r.status === "ready" ? `/v1/reports/${r.id}/download` : null,
});

const IdParams = StrictObject({ id: Type.String({ format: "uuid" }) });

export const reportRoutes: FastifyPluginAsyncTypebox<{ reports: ReportsService }> = async (app, { reports }) => {
  app.post(
    "/reports",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "createReport",
        tags: ["reports"],
        summary: "Request a compliance report for a period and scope; rendered in the background",
        body: StrictObject({
          from: IsoDateTime("Period start (inclusive)"),
          to: IsoDateTime("Period end (exclusive)"),
          scope: Scope,
          format: Type.Enum(REPORT_FORMATS),
          includeEvents: Type.Optional(
            Type.Boolean({ description: "JSON, CSV and evidence: list every invocation", default: false }),
          ),
        }),
        response: { 202: ReportSchema, ...errorResponses(422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const report = await reports.request(callContext(request), {
        from: new Date(b.from),
        to: new Date(b.to),
        scope: b.scope,
        format: b.format,
        options: b.includeEvents ? { includeEvents: true } : {},
      });
      return reply.status(202).header("location", `/v1/reports/${report.id}`).send(view(report));
    },
  );

  app.get(
    "/reports",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "listReports",
        tags: ["reports"],
        summary: "Reports requested so far, newest first, with their status and download link",
        querystring: StrictObject(PageQuery),
        response: { 200: PageOf(ReportSchema, "ReportPage"), ...errorResponses() },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await reports.list(callContext(request), { limit, ...(cursor ? { cursor } : {}) });
      return { ...page, items: page.items.map(view) };
    },
  );

  app.get(
    "/reports/:id",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "getReport",
        tags: ["reports"],
        summary: "A report's status and progress",
        params: IdParams,
        response: { 200: ReportSchema, ...errorResponses(404) },
      },
    },
    async (request) => view(await reports.get(callContext(request), request.params.id)),
  );

  app.get(
    "/reports/:id/download",
    {
      config: { auth: ["auditor"] },
      schema: {
        operationId: "downloadReport",
        tags: ["reports"],
        summary:
          "The rendered report, streamed: JSON, HTML, PDF, CSV (a ZIP of one CSV per section) or evidence (a ZIP with the report, the CSVs, the catalog, the audit chain head and a SHA-256 manifest)",
        params: IdParams,
        response: {
          200: Type.Unsafe<Readable>({
            type: "string",
            format: "binary",
            description: "The report in its format (see Content-Type)",
          }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const out = await reports.download(callContext(request), request.params.id);
      return reply
        .type(out.contentType)
        .header("content-disposition", `attachment; filename="${out.filename}"`)
        .header("content-length", String(out.report.sizeBytes))
        .send(Readable.from(out.body));
    },
  );
};
