// The two non-AWS JSON dialects served on AWS endpoints. OpenAI-compatible (bedrock-mantle):
// errors are `{"error":{"message","type","code"}}`. Anthropic Messages (bedrock-mantle /anthropic,
// Claude Platform on AWS): errors are `{"type":"error","error":{"type","message"}}`.
import type { AwsError } from "../errors.js";
import type { EncodedReply, Reply } from "./types.js";

export function encodePlainJsonReply(reply: Reply): EncodedReply {
  return {
    status: reply.status ?? 200,
    headers: { "content-type": "application/json", ...reply.headers },
    body: Buffer.from(JSON.stringify(reply.body ?? {})),
  };
}

export function encodeOpenAiError(err: AwsError): EncodedReply {
  const type = typeof err.fields.type === "string" ? err.fields.type : "invalid_request_error";
  const body = { error: { message: err.message, type, code: err.code, param: null } };
  return {
    status: err.status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export function encodeAnthropicError(err: AwsError, requestId: string): EncodedReply {
  const body = { type: "error", error: { type: err.code, message: err.message }, request_id: requestId };
  return {
    status: err.status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(body)),
  };
}
