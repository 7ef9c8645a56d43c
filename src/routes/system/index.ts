import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { PreflightService } from "../../modules/system/preflight.js";
import type { SystemService } from "../../modules/system/system.service.js";
import { errorResponses } from "../schemas.js";

export const SystemEnvironment = Type.Object(
  {
    version: Type.String(),
    database: Type.Object({ embedded: Type.Boolean() }),
    aws: Type.Object({
      target: Type.Enum(["aws", "sandbox"]),
      homeRegion: Type.String(),
      sandbox: Type.Optional(
        Type.Object({
          url: Type.String(),
          inProcess: Type.Boolean(),
          scenario: Type.String(),
          managementAccountId: Type.Optional(Type.String()),
        }),
      ),
    }),
    notice: Type.Optional(Type.String()),
  },
  { title: "SystemEnvironment" },
);

const PreflightCheck = Type.Object(
  {
    id: Type.String(),
    status: Type.Enum(["pass", "fail", "warn", "skipped"]),
    subject: Type.String(),
    detail: Type.String(),
    fix: Type.Optional(Type.String()),
  },
  { title: "PreflightCheck" },
);

export const PreflightReport = Type.Object(
  {
    checkedAt: Type.String({ format: "date-time" }),
    level: Type.Enum(["read", "remediation"]),
    accounts: Type.Object({ total: Type.Integer(), checked: Type.Integer() }),
    checks: Type.Array(PreflightCheck),
    summary: Type.Object({
      ok: Type.Boolean(),
      pass: Type.Integer(),
      fail: Type.Integer(),
      warn: Type.Integer(),
      skipped: Type.Integer(),
    }),
  },
  { title: "PreflightReport" },
);

export const systemRoutes: FastifyPluginAsyncTypebox<{ system: SystemService; preflight: PreflightService }> = async (
  app,
  { system, preflight },
) => {
  app.get(
    "/system/preflight",
    {
      config: { auth: ["admin"] },
      schema: {
        operationId: "getPreflight",
        tags: ["meta"],
        summary:
          "Checks credentials, the hub role, the member role and its permissions in every account, and the org trail",
        description:
          "Each check is pass, fail, warn or skipped, with its subject and, for a miss, the exact fix. `sample` checks the member role in that many accounts only.",
        querystring: Type.Object(
          {
            sample: Type.Optional(Type.Integer({ minimum: 1 })),
            level: Type.Optional(Type.Enum(["read", "remediation"])),
          },
          { additionalProperties: false },
        ),
        response: { 200: PreflightReport, ...errorResponses() },
      },
    },
    async (req) => {
      const report = await preflight.run({
        ...(req.query.sample !== undefined ? { sample: req.query.sample } : {}),
        ...(req.query.level !== undefined ? { level: req.query.level } : {}),
      });
      return { ...report, checkedAt: report.checkedAt.toISOString() };
    },
  );

  app.get(
    "/system",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "getSystem",
        tags: ["meta"],
        summary: "Version, database and AWS target (real AWS or the sandbox)",
        response: { 200: SystemEnvironment, ...errorResponses() },
      },
    },
    async () => system.info(),
  );
};
