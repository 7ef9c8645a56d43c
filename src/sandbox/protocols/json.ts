// awsJson1_1 (Organizations, CloudTrail): POST / with x-amz-target; errors carry `__type`.
import type { IncomingHttpHeaders } from "node:http";
import { AwsError } from "../errors.js";
import type { Reply } from "./types.js";

/**
 * The operation an awsJson request names in `x-amz-target`: `<prefix>.<Operation>` as the
 * JavaScript SDK sends it, or fully qualified with the service's namespace as the AWS CLI and
 * botocore send it for some services (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`),
 * which AWS accepts too.
 */
export function jsonOperation(headers: IncomingHttpHeaders, targetPrefix: string): string | undefined {
  const target = headers["x-amz-target"];
  if (typeof target !== "string") return undefined;
  const dotted = `${targetPrefix}.`;
  const at = target.startsWith(dotted) ? 0 : target.indexOf(`.${dotted}`) + 1;
  if (at === 0 && !target.startsWith(dotted)) return undefined;
  const operation = target.slice(at + dotted.length);
  return /^[A-Za-z]+$/.test(operation) ? operation : undefined;
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
