// restJson1 (Bedrock, Bedrock Runtime): method + path, JSON bodies; errors name their type in
// the x-amzn-errortype header and carry `{"message"}`.
import type { AwsError } from "../errors.js";
import type { EncodedReply, Reply } from "./types.js";

export function encodeRestJsonReply(reply: Reply): EncodedReply {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.body));
  return {
    status: reply.status ?? 200,
    headers: { "content-type": "application/json", ...reply.headers },
    body,
  };
}

export function encodeRestJsonError(err: AwsError): EncodedReply {
  return {
    status: err.status,
    headers: { "content-type": "application/json", "x-amzn-errortype": err.code },
    body: Buffer.from(JSON.stringify({ message: err.message, ...err.fields })),
  };
}

/** Matches `/a/{label}/b` against a raw path; labels are URL-decoded (the SDK encodes `:` as %3A). */
export function matchPath(template: string, rawPath: string): Record<string, string> | undefined {
  const t = template.split("/");
  const p = rawPath.split("/");
  if (t.length !== p.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i] as string;
    const val = p[i] as string;
    if (seg.startsWith("{") && seg.endsWith("}")) {
      if (val === "") return undefined;
      try {
        out[seg.slice(1, -1)] = decodeURIComponent(val);
      } catch {
        return undefined;
      }
    } else if (seg !== val) return undefined;
  }
  return out;
}
