import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { AccountIdSchema } from "../../kernel/aws-ids.js";
import type { DoctorService } from "../../modules/doctor/doctor.service.js";
import { DOCTOR_GATES, GATE_STATUSES } from "../../modules/doctor/doctor.types.js";
import { callContext } from "../../plugins/auth.js";
import { errorResponses, IsoDateTime, Nullable, StrictObject } from "../schemas.js";

const Json = (description: string) => Type.Object({}, { additionalProperties: true, description });

const GateSchema = Type.Object(
  {
    gate: Type.Enum(DOCTOR_GATES),
    status: Type.Enum(GATE_STATUSES),
    summary: Type.String(),
    evidence: Json("The facts used: API answers, quoted policy statements, simulation results"),
    fix: Nullable(Type.String({ description: "What to do; null when the gate passes" })),
  },
  { title: "DoctorGate" },
);

const diagnosisFields = {
  gate: Type.String({ description: "A doctor gate, or throttling/not_found/validation/unavailable/unknown" }),
  likelyGate: Nullable(
    Type.Enum(DOCTOR_GATES, { description: "The reachability gate the error most likely comes from" }),
  ),
  rule: Nullable(Type.String()),
  code: Nullable(Type.String({ description: "AWS exception name found in the text" })),
  confidence: Type.Union([Type.Literal("high"), Type.Literal("medium"), Type.Literal("low")]),
  explanation: Type.String(),
  fix: Type.String(),
  details: Json("Action, resource, principal, Region and model named in the text"),
};
const DiagnosisSchema = Type.Object(diagnosisFields, { title: "DoctorErrorDiagnosis" });

const ErrorSchema = Type.Object(
  {
    ...diagnosisFields,
    live: Type.Union([
      Type.Literal("confirmed"),
      Type.Literal("contradicted"),
      Type.Literal("not_reproduced"),
      Type.Literal("not_checked"),
    ]),
    liveNote: Type.String(),
  },
  { title: "DoctorErrorAssessment" },
);

const ReportSchema = Type.Object(
  {
    accountId: Type.String(),
    region: Type.String(),
    model: Type.String(),
    principalArn: Nullable(Type.String()),
    verdict: Type.Union([Type.Literal("ok"), Type.Literal("blocked"), Type.Literal("inconclusive")]),
    blockingGate: Nullable(Type.Enum(DOCTOR_GATES)),
    gates: Type.Array(GateSchema),
    paths: Type.Array(
      Type.Object(
        {
          path: Type.String({ description: "direct, the inference profile id, mantle or claude_platform" }),
          kind: Type.String(),
          status: Type.Union([Type.Literal("usable"), Type.Literal("blocked"), Type.Literal("unknown")]),
          gate: Nullable(Type.Enum(DOCTOR_GATES)),
          reason: Type.String(),
          destinations: Type.Array(Type.String(), { description: "Where the inference runs (`*`: any Region)" }),
        },
        { title: "DoctorPath" },
      ),
      { description: "Every path the model can be called through from the Region, judged by the engine" },
    ),
    governance: Type.Object({
      approved: Nullable(Type.Boolean()),
      entryIds: Type.Array(Type.String()),
      requests: Nullable(Type.Array(Type.Object({ id: Type.String(), status: Type.String() }))),
      summary: Type.String(),
    }),
    error: Nullable(ErrorSchema),
    probe: Nullable(
      Type.Object({
        status: Type.Union([Type.Literal("pass"), Type.Literal("fail"), Type.Literal("skipped")]),
        target: Type.String(),
        summary: Type.String(),
        reply: Nullable(Type.String()),
        error: Nullable(Type.Object({ awsCode: Nullable(Type.String()), gate: Type.String(), message: Type.String() })),
      }),
    ),
    checkedAt: IsoDateTime(),
  },
  { title: "DoctorReport" },
);

export const doctorRoutes: FastifyPluginAsyncTypebox<{ doctor: DoctorService }> = async (app, { doctor }) => {
  app.post(
    "/doctor",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "diagnoseAccess",
        tags: ["doctor"],
        summary: "Why a principal can or cannot call a model in an account-Region: each gate with evidence and fix",
        description:
          "Checks, in order, credentials (the service's role in the account), Region, model access, organization policy (SCPs) and IAM (with `principalArn`), plus the catalog approval. `errorText` is classified and compared with the live result. `probe: true` makes one real one-token Converse call in the account (admin only, audited).",
        body: StrictObject({
          accountId: AccountIdSchema(),
          region: Type.String({ minLength: 9, maxLength: 32 }),
          model: Type.String({ minLength: 1, maxLength: 256, description: "Model id, inference profile id, or ARN" }),
          principalArn: Type.Optional(
            Type.String({ maxLength: 600, description: "IAM role/user (or assumed-role session) ARN in the account" }),
          ),
          errorText: Type.Optional(Type.String({ maxLength: 8192, description: "The error message as received" })),
          probe: Type.Boolean({ default: false, description: "Make a one-token Converse call (admin)" }),
        }),
        response: { 200: ReportSchema, ...errorResponses(422) },
      },
    },
    async (request) => {
      const { principalArn, errorText, ...rest } = request.body;
      const report = await doctor.diagnose(callContext(request), {
        ...rest,
        ...(principalArn !== undefined ? { principalArn } : {}),
        ...(errorText !== undefined ? { errorText } : {}),
      });
      return {
        ...report,
        paths: report.paths.map((p) => ({ ...p, destinations: [...p.destinations] })),
        checkedAt: report.checkedAt.toISOString(),
      };
    },
  );

  app.post(
    "/doctor/classify",
    {
      config: { auth: ["viewer"] },
      schema: {
        operationId: "classifyAccessError",
        tags: ["doctor"],
        summary: "Classify a pasted Bedrock/STS/IAM error: the likely gate and the fix, without calling AWS",
        body: StrictObject({
          errorText: Type.String({ minLength: 1, maxLength: 8192, description: "The error message as received" }),
        }),
        response: { 200: DiagnosisSchema, ...errorResponses(422) },
      },
    },
    async (request) => doctor.classify(callContext(request), request.body.errorText),
  );
};
