// Claude Platform on AWS (IAM prefix and SigV4 service name `aws-external-anthropic`, endpoint
// `aws-external-anthropic.<region>.api.aws`, operated by Anthropic): the Anthropic Messages API
// `POST /v1/messages` with the required `anthropic-workspace-id` header, authorized as
// `aws-external-anthropic:CreateInference` on `arn:aws:aws-external-anthropic:<region>:<account>:
// workspace/<workspace-id>` [doc Claude Platform on AWS User Guide: "Making requests",
// "Authentication", "IAM actions", "IAM policies"]. Bedrock's gates (Bedrock SCPs on bedrock:*,
// data retention, the use-case form, BEDROCK_POLICY) do not apply: it is not Amazon Bedrock.
// API-key (bearer) authentication is documented but its authorization is not; the sandbox serves
// SigV4 only and answers a bearer call with 401.
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import { authorizeCall } from "../gates.js";
import { projectKey } from "../state-access.js";
import { resolveRestOperation } from "./bedrock.js";

const ROUTES: [string, string, string][] = [["POST", "/v1/messages", "CreateInference"]];

/** Bedrock-style denials from the shared IAM gate, as Anthropic API errors. */
function asAnthropic(e: AwsError): AwsError {
  if (e.code === "AccessDeniedException") return new AwsError("permission_error", e.message, 403);
  return e;
}

function createInference(ctx: CallContext) {
  if (ctx.caller.bearer !== undefined)
    throw new AwsError("authentication_error", "The sandbox serves Claude Platform on AWS with SigV4 only.", 401);
  const account = ctx.state.accounts.get(ctx.caller.account);
  if (account === undefined || !account.regions.includes(ctx.region))
    throw new AwsError("authentication_error", "The security token included in the request is invalid.", 401);
  const wsHeader = ctx.headers["anthropic-workspace-id"];
  if (typeof wsHeader !== "string" || wsHeader === "")
    throw new AwsError("invalid_request_error", "anthropic-workspace-id: header is required", 400);
  const ws = ctx.state.workspaces.get(projectKey(account.id, ctx.region, wsHeader));
  if (ws === undefined) throw new AwsError("not_found_error", `Workspace ${wsHeader} was not found.`, 404);
  const action = "aws-external-anthropic:CreateInference";
  try {
    authorizeCall(ctx, action, ws.arn);
  } catch (e) {
    throw e instanceof AwsError ? asAnthropic(e) : e;
  }
  let body: { model?: unknown };
  try {
    body = JSON.parse(ctx.body.toString("utf8") || "{}");
  } catch {
    throw new AwsError("invalid_request_error", "The request body is not valid JSON.", 400);
  }
  if (typeof body.model !== "string") throw new AwsError("invalid_request_error", "model: Field required", 400);
  if (!ctx.state.claudePlatformModels.includes(body.model))
    throw new AwsError("not_found_error", `model: ${body.model}`, 404);
  const text = `Hello from the Claude Platform on AWS sandbox (${body.model}).`;
  return {
    id: `msg_${ctx.requestId.replace(/-/g, "")}`,
    type: "message",
    role: "assistant",
    model: body.model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    usage: { input_tokens: 8, output_tokens: Math.ceil(text.length / 4) },
  };
}

export function createClaudePlatformService(): ServiceModule {
  return {
    name: "aws-external-anthropic",
    protocol: "anthropic",
    resolveOperation: (req) => resolveRestOperation(ROUTES, req)?.operation,
    handle: (ctx) => ({ body: createInference(ctx) }),
  };
}
