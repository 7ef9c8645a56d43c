import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
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

export const systemRoutes: FastifyPluginAsyncTypebox<{ system: SystemService }> = async (app, { system }) => {
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
