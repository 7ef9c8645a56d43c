// Bedrock Runtime Converse (restJson1, signed as "bedrock" or called with an Amazon Bedrock API key):
// answers a small canned reply unless a gate blocks the call, and logs every call to CloudTrail like
// the real service. The gates run in the order docs/sandbox.md documents ("Invoke-time gates").
import { randomUUID } from "node:crypto";
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import {
  entitlementGate,
  iamGate,
  lifecycleGate,
  marketplaceGate,
  overrideGate,
  retentionGate,
  useCaseGate,
} from "../gates.js";
import type { EvaluationRequest } from "../policy-evaluator.js";
import type { Reply } from "../protocols/types.js";
import {
  foundationModelArn,
  inferenceProfileArn,
  type SandboxAccount,
  type SandboxModel,
  type SandboxProfile,
} from "../state.js";
import { buildTrailEvent } from "../trail.js";
import { bedrockAccount, resolveRestOperation } from "./bedrock.js";

const ROUTES: [string, string, string][] = [["POST", "/model/{modelId}/converse", "Converse"]];
const ACTION = "bedrock:InvokeModel";
const INVALID_MODEL = "The provided model identifier is invalid.";

interface Target {
  model: SandboxModel;
  profile: SandboxProfile | undefined;
  requests: EvaluationRequest[];
  inferenceRegion: string | undefined;
}

function resolveTarget(ctx: CallContext, modelId: string): Target {
  const { state, region } = ctx;
  const base = { "aws:PrincipalArn": ctx.caller.principalArn, "aws:PrincipalAccount": ctx.caller.account };
  const profileId = modelId.includes(":inference-profile/") ? modelId.split(":inference-profile/")[1] : modelId;
  const profile = profileId === undefined ? undefined : state.profiles.get(profileId);
  if (profile !== undefined) {
    const model = state.models.get(profile.modelId);
    if (model === undefined || !profile.sourceRegions.has(region))
      throw new AwsError("ValidationException", INVALID_MODEL, 400);
    const profileArn = inferenceProfileArn(region, ctx.caller.account, profile.id);
    const requests: EvaluationRequest[] = [
      { action: ACTION, resource: profileArn, context: { ...base, "aws:RequestedRegion": region } },
    ];
    const viaProfile = { ...base, "bedrock:InferenceProfileArn": profileArn };
    if (profile.global) {
      requests.push(
        {
          action: ACTION,
          resource: foundationModelArn(region, model.id),
          context: { ...viaProfile, "aws:RequestedRegion": region },
        },
        {
          action: ACTION,
          resource: `arn:aws:bedrock:::foundation-model/${model.id}`,
          context: { ...viaProfile, "aws:RequestedRegion": "unspecified" },
        },
      );
    } else {
      for (const dest of profile.destinationRegions) {
        requests.push({
          action: ACTION,
          resource: foundationModelArn(dest, model.id),
          context: { ...viaProfile, "aws:RequestedRegion": dest },
        });
      }
    }
    const destinations = profile.global ? [region] : profile.destinationRegions;
    return { model, profile, requests, inferenceRegion: destinations[0] };
  }
  const id = modelId.startsWith("arn:") ? (modelId.split("foundation-model/")[1] ?? "") : modelId;
  const model = state.models.get(id);
  if (model === undefined || !model.regions.has(region)) throw new AwsError("ValidationException", INVALID_MODEL, 400);
  // PROVISIONED-only variants (…:0:48k) cannot be invoked on demand [3p wording].
  if (!model.inferenceTypes.includes("ON_DEMAND") && !model.inferenceTypes.includes("INFERENCE_PROFILE"))
    throw new AwsError("ValidationException", "The provided model doesn't support on-demand throughput.", 400);
  if (!model.inferenceTypes.includes("ON_DEMAND")) {
    throw new AwsError(
      "ValidationException",
      `Invocation of model ID ${model.id} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
      400,
    );
  }
  return {
    model,
    profile: undefined,
    requests: [
      {
        action: ACTION,
        resource: foundationModelArn(region, model.id),
        context: { ...base, "aws:RequestedRegion": region },
      },
    ],
    inferenceRegion: undefined,
  };
}

/** Gates 5–11 of docs/sandbox.md "Invoke-time gates" (1–4 ran in bedrockAccount and resolveTarget). */
function gate(ctx: CallContext, target: Target, account: SandboxAccount): void {
  const { state } = ctx;
  const m = target.model;
  iamGate(state, ctx.caller, ACTION, target.requests);
  overrideGate(account, ctx.region, m);
  lifecycleGate(state, account, m, ctx.now());
  // The Region of the endpoint that receives the request decides, also for cross-Region profiles.
  retentionGate(state, account.id, ctx.region, m);
  const entitled = entitlementGate(state, account, m);
  useCaseGate(state, account, m);
  if (!entitled) marketplaceGate(state, ctx.caller, account, ctx.region, m, ctx.now());
}

function converse(ctx: CallContext, modelId: string): Reply {
  const account = bedrockAccount(ctx, "invoke");
  let body: { messages?: { content?: { text?: string }[] }[] };
  try {
    body = JSON.parse(ctx.body.toString("utf8") || "{}");
  } catch {
    throw new AwsError("ValidationException", "The request body is not valid JSON.", 400);
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new AwsError("ValidationException", "A conversation must start with a user message.", 400);
  const target = resolveTarget(ctx, modelId);
  gate(ctx, target, account);
  const promptChars = body.messages
    .flatMap((m) => m.content ?? [])
    .reduce((n, c) => n + (typeof c.text === "string" ? c.text.length : 0), 0);
  const text = `Hello from the Bedrock sandbox (${target.model.name}).`;
  const inputTokens = Math.max(1, Math.ceil(promptChars / 4));
  const outputTokens = Math.ceil(text.length / 4);
  return {
    body: {
      output: { message: { role: "assistant", content: [{ text }] } },
      stopReason: "end_turn",
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      metrics: { latencyMs: 42 },
    },
  };
}

export function createBedrockRuntimeService(): ServiceModule {
  return {
    name: "bedrock-runtime",
    protocol: "rest-json",
    resolveOperation: (req) => resolveRestOperation(ROUTES, req)?.operation,
    handle(ctx) {
      const modelId = resolveRestOperation(ROUTES, ctx)?.labels.modelId ?? "";
      let error: AwsError | undefined;
      let inferenceRegion: string | undefined;
      try {
        const reply = converse(ctx, modelId);
        const p = ctx.state.profiles.get(modelId.split(":inference-profile/").pop() ?? modelId);
        inferenceRegion = p === undefined ? undefined : p.global ? ctx.region : p.destinationRegions[0];
        return reply;
      } catch (e) {
        if (e instanceof AwsError) error = e;
        throw e;
      } finally {
        // CloudTrail logs failed invocations too, with the error code.
        const event = buildTrailEvent({
          eventTime: ctx.now(),
          account: ctx.caller.account,
          region: ctx.region,
          eventName: "Converse",
          modelId,
          identity: { arn: ctx.caller.arn, accessKeyId: ctx.caller.accessKeyId },
          sourceIPAddress: ctx.sourceIp,
          userAgent: String(ctx.headers["user-agent"] ?? "aws-sdk-js"),
          requestId: ctx.requestId,
          eventId: randomUUID(),
          ...(inferenceRegion !== undefined ? { inferenceRegion } : {}),
          ...(error !== undefined
            ? {
                errorCode: error.code === "AccessDeniedException" ? "AccessDenied" : error.code,
                errorMessage: error.message,
              }
            : {}),
        });
        ctx.state.trail.events.push(event);
      }
    },
  };
}
