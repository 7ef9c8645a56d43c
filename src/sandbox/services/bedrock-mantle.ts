// bedrock-mantle ("Amazon Bedrock Powered by AWS Mantle"), served on `bedrock-mantle.<region>.api.aws`
// and signed as `bedrock-mantle` (or called with an Amazon Bedrock API key, `Authorization: Bearer`
// or `x-api-key`): OpenAI-compatible Chat Completions and Responses under /v1, Anthropic Messages
// under /anthropic/v1, models, projects and account data retention [doc "Responses API" (base URL
// bedrock-mantle.{region}.api.aws/v1), "Workspaces (Anthropic-compatible)" (OpenAI-Project and
// anthropic-workspace headers), "Actions, resources, and condition keys for Amazon Bedrock Powered
// by AWS Mantle" (CreateInference on project/*, condition key bedrock-mantle:Model), managed policy
// AmazonBedrockMantleInferenceAccess]. Its IAM prefix is its own: SCPs on bedrock:* do not apply.
import type { CallContext, RawRequest, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import {
  authorizeCall,
  bearerGate,
  bedrockPolicyGate,
  effectiveRetention,
  entitlementGate,
  lifecycleGate,
  marketplaceGate,
  overrideGate,
  retentionAllows,
  retentionGate,
} from "../gates.js";
import type { Protocol } from "../protocols/types.js";
import type { SandboxAccount, SandboxModel } from "../state.js";
import type { MantleProject } from "../state-types.js";
import { resolveRestOperation } from "./bedrock.js";
import { handleMantleAdmin, projectFor } from "./mantle-projects.js";

const ROUTES: [string, string, string][] = [
  ["GET", "/v1/models", "ListModels"],
  ["GET", "/v1/models/{model}", "GetModel"],
  ["POST", "/v1/chat/completions", "CreateInference"],
  ["POST", "/v1/responses", "CreateInference"],
  ["POST", "/anthropic/v1/messages", "CreateInference"],
  ["GET", "/v1/data_retention", "GetAccountDataRetention"],
  ["PUT", "/v1/data_retention", "PutAccountDataRetention"],
  ["GET", "/v1/organization/projects", "ListProjects"],
  ["POST", "/v1/organization/projects", "CreateProject"],
  ["GET", "/v1/organization/projects/{project}", "GetProject"],
  ["POST", "/v1/organization/projects/{project}", "UpdateProject"],
  ["POST", "/v1/organization/projects/{project}/archive", "ArchiveProject"],
];

const isAnthropicDialect = (req: RawRequest) => req.path.startsWith("/anthropic/");

/** Bedrock-style errors from the shared gates, in the OpenAI or Anthropic dialect of the request. */
function translate(e: AwsError, protocol: Protocol): AwsError {
  const openai: Record<string, [number, string, string]> = {
    AccessDeniedException: [403, "access_denied", "permission_denied_error"],
    ValidationException: [400, "invalid_request", "invalid_request_error"],
    ResourceNotFoundException: [404, "not_found", "not_found_error"],
    UnrecognizedClientException: [401, "invalid_api_key", "authentication_error"],
  };
  const hit = openai[e.code];
  if (hit === undefined) return e;
  const [status, code, type] = hit;
  if (protocol === "anthropic") {
    const t = type === "permission_denied_error" ? "permission_error" : type;
    return new AwsError(t, e.message, status);
  }
  return new AwsError(code, e.message, status, { type });
}

/** Gates 1–3: Region enabled, the API key's own authorization, (switch) the BEDROCK_POLICY check. */
function mantleAccount(ctx: CallContext): SandboxAccount {
  const account = ctx.state.accounts.get(ctx.caller.account);
  if (account === undefined || !account.regions.includes(ctx.region))
    throw new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 403);
  bearerGate(ctx.state, ctx.caller, "bedrock-mantle", ctx.region);
  bedrockPolicyGate(ctx.state, account.id, "mantle");
  return account;
}

function jsonInput(ctx: CallContext): Record<string, unknown> {
  if (ctx.body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(ctx.body.toString("utf8"));
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError("ValidationException", "The request body is not valid JSON.", 400);
}

/** The project of an inference: `OpenAI-Project` (OpenAI APIs) or `anthropic-workspace` (Messages). */
function requestProject(ctx: CallContext): MantleProject {
  const header = ctx.headers[isAnthropicDialect(ctx) ? "anthropic-workspace" : "openai-project"];
  const id = typeof header === "string" && header !== "" ? header : "default";
  const p = projectFor(ctx, id);
  if (p === undefined) throw new AwsError("ResourceNotFoundException", `Project ${id} not found.`, 404);
  // [?] AWS does not say what an archived project answers; the sandbox refuses it.
  if (p.status === "archived") throw new AwsError("ValidationException", `Project ${id} is archived.`, 400);
  return p;
}

/** A model bedrock-mantle serves in this Region under its mantle id. */
function mantleModel(ctx: CallContext, id: string): SandboxModel | undefined {
  return [...ctx.state.models.values()].find((m) => m.mantleId === id && m.regions.has(ctx.region));
}

function modelShape(ctx: CallContext, m: SandboxModel, project: MantleProject) {
  const r = effectiveRetention(ctx.state, ctx.caller.account, ctx.region, m, project);
  const available = retentionAllows(m, r.mode);
  return {
    id: m.mantleId,
    object: "model",
    created: Math.floor(Date.parse(m.lifecycle.startOfLifeTime ?? "2025-12-04T00:00:00Z") / 1000),
    owned_by: "system",
    status: available ? "available" : "unavailable",
    ...(available ? {} : { status_reason: `This model is not available under data retention mode '${r.mode}'.` }),
    data_retention: { mode: r.mode, source: r.source, allowed_modes: m.retention.allowedModes },
  };
}

function inference(ctx: CallContext, account: SandboxAccount, input: Record<string, unknown>) {
  const { state } = ctx;
  if (typeof input.model !== "string" || input.model === "")
    throw new AwsError("ValidationException", "model is required.", 400);
  const project = requestProject(ctx);
  const m = mantleModel(ctx, input.model);
  if (m === undefined)
    throw new AwsError(
      "ResourceNotFoundException",
      `The model '${input.model}' does not exist or you do not have access to it.`,
      404,
    );
  // Claude is served by the Messages API, the other models by the OpenAI-compatible APIs [doc "Responses API"].
  if ((m.provider.toLowerCase() === "anthropic") !== isAnthropicDialect(ctx))
    throw new AwsError("ValidationException", `model \`${input.model}\` isn't supported on this route`, 400);
  const action = "bedrock-mantle:CreateInference";
  authorizeCall(ctx, action, project.arn, { "bedrock-mantle:Model": m.mantleId as string });
  overrideGate(account, ctx.region, m);
  lifecycleGate(state, account, m, ctx.now());
  retentionGate(state, account.id, ctx.region, m, project);
  // No Anthropic use-case form on bedrock-mantle [doc "Request access to models"].
  if (!entitlementGate(state, account, m)) marketplaceGate(state, ctx.caller, account, ctx.region, m, ctx.now());
  const text = `Hello from the Bedrock sandbox (${m.name}, bedrock-mantle).`;
  const created = Math.floor(ctx.now().getTime() / 1000);
  if (isAnthropicDialect(ctx))
    return {
      id: `msg_${ctx.requestId.replace(/-/g, "")}`,
      type: "message",
      role: "assistant",
      model: m.mantleId,
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      usage: { input_tokens: 8, output_tokens: Math.ceil(text.length / 4) },
    };
  if (ctx.path.endsWith("/responses"))
    return {
      id: `resp_${ctx.requestId.replace(/-/g, "")}`,
      object: "response",
      created_at: created,
      status: "completed",
      model: m.mantleId,
      output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text }] }],
    };
  return {
    id: `chatcmpl-${ctx.requestId}`,
    object: "chat.completion",
    created,
    model: m.mantleId,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: 8,
      completion_tokens: Math.ceil(text.length / 4),
      total_tokens: 8 + Math.ceil(text.length / 4),
    },
  };
}

function handle(ctx: CallContext): unknown {
  const account = mantleAccount(ctx);
  const labels = resolveRestOperation(ROUTES, ctx)?.labels ?? {};
  const input = ctx.method === "GET" ? {} : jsonInput(ctx);
  if (ctx.operation === "CreateInference") return inference(ctx, account, input);
  if (ctx.operation === "ListModels" || ctx.operation === "GetModel") {
    const project = requestProject(ctx);
    const action = `bedrock-mantle:${ctx.operation}`;
    authorizeCall(ctx, action, project.arn);
    if (ctx.operation === "GetModel") {
      const m = mantleModel(ctx, labels.model ?? "");
      if (m === undefined)
        throw new AwsError("ResourceNotFoundException", `The model '${labels.model}' does not exist.`, 404);
      return modelShape(ctx, m, project);
    }
    const served = [...ctx.state.models.values()].filter((m) => m.mantleId !== undefined && m.regions.has(ctx.region));
    return { object: "list", data: served.map((m) => modelShape(ctx, m, project)) };
  }
  return handleMantleAdmin(ctx, labels, input);
}

export function createBedrockMantleService(): ServiceModule {
  return {
    name: "bedrock-mantle",
    protocol: "openai",
    protocolFor: (req) => (isAnthropicDialect(req) ? "anthropic" : "openai"),
    resolveOperation: (req) => resolveRestOperation(ROUTES, req)?.operation,
    handle(ctx) {
      const protocol = isAnthropicDialect(ctx) ? "anthropic" : "openai";
      try {
        return { body: handle(ctx) };
      } catch (e) {
        throw e instanceof AwsError ? translate(e, protocol) : e;
      }
    },
  };
}
