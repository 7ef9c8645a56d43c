// CloudTrail record → normalized invocation row. Both sources (LookupEvents' `CloudTrailEvent`
// string and the organization trail's `Records[]`) carry the same record, so both go through this
// one function and produce identical rows for the same event.
import { parseBedrockArn, profileGeo } from "../../kernel/aws-ids.js";
import { storable } from "../../kernel/safe-text.js";
import type { InvocationRow } from "./invocations.types.js";

/** Event sources whose management events are Bedrock invocations. */
export const BEDROCK_EVENT_SOURCES = ["bedrock.amazonaws.com", "bedrock-mantle.amazonaws.com"] as const;

/**
 * Event names that are model invocations. LookupEvents is asked per event source, so other
 * Bedrock management events (ListFoundationModels, GetInferenceProfile, …) also arrive: they are
 * not invocations and are skipped.
 */
export const INVOCATION_EVENT_NAMES = new Set([
  "InvokeModel",
  "InvokeModelWithResponseStream",
  // Bidirectional streaming (speech-to-speech models such as Nova Sonic), a bedrock-runtime operation.
  "InvokeModelWithBidirectionalStream",
  "Converse",
  "ConverseStream",
  "CountTokens",
  "ApplyGuardrail",
  "CreateChatCompletion",
  "CreateResponse",
  "CreateMessage",
  "CreateCompletion",
  "CreateEmbedding",
  "CallWithBearerToken",
]);

/**
 * CloudTrail text is the caller's (user agent, parts of error messages): a NUL byte, which
 * PostgreSQL text cannot hold, or a lone UTF-16 surrogate (also left by cutting a pair) would fail
 * the whole batch it is in. Both become U+FFFD; the rest of the text is kept.
 */
const str = (v: unknown, max: number): string | null =>
  typeof v === "string" && v.length > 0 ? storable(v.length > max ? v.slice(0, max) : v) : null;

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export interface ResolvedModel {
  modelId: string | null;
  profileId: string | null;
  baseModelId: string | null;
}

/**
 * The model behind a `modelId` request parameter: a foundation model id, a system profile id,
 * or either as an ARN. Application inference profiles (opaque ids) have no base model here.
 */
export function resolveModel(raw: string | null): ResolvedModel {
  if (raw === null) return { modelId: null, profileId: null, baseModelId: null };
  let id = raw;
  let kind: "model" | "profile" | "application" | "unknown" = "unknown";
  const arn = parseBedrockArn(raw);
  if (arn) {
    const resource = arn.resourceType;
    id = arn.resourceId;
    kind =
      resource === "foundation-model"
        ? "model"
        : resource === "inference-profile"
          ? "profile"
          : resource === "application-inference-profile"
            ? "application"
            : "unknown";
  }
  if (kind === "application") return { modelId: raw, profileId: id.slice(0, 256), baseModelId: null };
  const geo = kind === "model" ? undefined : profileGeo(id);
  if (geo !== undefined) {
    return { modelId: raw, profileId: id.slice(0, 256), baseModelId: id.slice(geo.length + 1, geo.length + 257) };
  }
  return { modelId: raw, profileId: null, baseModelId: id.slice(0, 256) };
}

/**
 * One CloudTrail record as a row; undefined when it is not a Bedrock invocation or lacks the
 * fields that identify it (event id, time, account, Region).
 */
export function normalizeRecord(record: unknown): InvocationRow | undefined {
  const r = obj(record);
  if (r === undefined) return undefined;
  const eventSource = str(r.eventSource, 64);
  const eventName = str(r.eventName, 64);
  if (eventSource === null || !(BEDROCK_EVENT_SOURCES as readonly string[]).includes(eventSource)) return undefined;
  if (eventName === null || !INVOCATION_EVENT_NAMES.has(eventName)) return undefined;
  const eventId = str(r.eventID, 64);
  const timeText = str(r.eventTime, 64);
  const region = str(r.awsRegion, 32);
  const ui = obj(r.userIdentity) ?? {};
  const account = str(r.recipientAccountId, 12) ?? str(ui.accountId, 12);
  const eventTime = timeText === null ? Number.NaN : Date.parse(timeText);
  if (eventId === null || Number.isNaN(eventTime) || region === null || account === null) return undefined;
  const params = obj(r.requestParameters) ?? {};
  const extra = obj(r.additionalEventData) ?? {};
  const issuer = obj(obj(ui.sessionContext)?.sessionIssuer);
  const principalArn = str(ui.arn, 1024);
  const model = resolveModel(str(params.modelId, 1024) ?? str(params.model, 1024));
  return {
    eventTime: new Date(eventTime),
    eventId,
    accountId: account,
    region,
    inferenceRegion: str(extra.inferenceRegion, 32) ?? region,
    eventSource,
    eventName,
    principalType: str(ui.type, 32),
    principalArn,
    principalIssuerArn: str(issuer?.arn, 1024) ?? principalArn,
    modelId: model.modelId,
    profileId: model.profileId,
    baseModelId: model.baseModelId,
    errorCode: str(r.errorCode, 128),
    errorMessage: str(r.errorMessage, 2048),
    sourceIp: str(r.sourceIPAddress, 128),
    userAgent: str(r.userAgent, 1024),
    bearerToken: params.callWithBearerToken === true || extra.callWithBearerToken === true,
  };
}
