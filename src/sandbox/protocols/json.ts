// awsJson1_1 (Organizations, CloudTrail): POST / with x-amz-target; errors carry `__type`.
import type { IncomingHttpHeaders } from "node:http";
import { AwsError } from "../errors.js";
import type { Reply } from "./types.js";

export function jsonOperation(headers: IncomingHttpHeaders, targetPrefix: string): string | undefined {
  const target = headers["x-amz-target"];
  if (typeof target !== "string" || !target.startsWith(`${targetPrefix}.`)) return undefined;
  return target.slice(targetPrefix.length + 1);
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through to the protocol's own error
  }
  throw new AwsError("SerializationException", "Start of structure or map found where not expected.", 400);
}

export function encodeJsonReply(reply: Reply): { status: number; headers: Record<string, string>; body: Buffer } {
  return {
    status: reply.status ?? 200,
    headers: { "content-type": "application/x-amz-json-1.1", ...reply.headers },
    body: Buffer.from(JSON.stringify(reply.body ?? {})),
  };
}

export function encodeJsonError(err: AwsError): { status: number; headers: Record<string, string>; body: Buffer } {
  return {
    status: err.status,
    headers: { "content-type": "application/x-amz-json-1.1" },
    body: Buffer.from(JSON.stringify({ __type: err.code, Message: err.message, message: err.message, ...err.fields })),
  };
}
