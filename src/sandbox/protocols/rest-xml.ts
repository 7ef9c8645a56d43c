// restXml (S3): XML replies, errors as <Error><Code>…</Code></Error>.
import type { AwsError } from "../errors.js";
import type { EncodedReply, Reply } from "./types.js";
import { escapeXml } from "./xml.js";

export function encodeRestXmlReply(reply: Reply): EncodedReply {
  const b = reply.body;
  const body = b === undefined ? Buffer.alloc(0) : Buffer.isBuffer(b) ? b : Buffer.from(String(b));
  return { status: reply.status ?? 200, headers: { "content-type": "application/xml", ...reply.headers }, body };
}

export function encodeRestXmlError(err: AwsError, requestId: string, resource: string): EncodedReply {
  const extra = Object.entries(err.fields)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join("");
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message>${extra}<Resource>${escapeXml(resource)}</Resource>` +
    `<RequestId>${requestId}</RequestId><HostId>${Buffer.from(requestId).toString("base64")}</HostId></Error>`;
  return { status: err.status, headers: { "content-type": "application/xml" }, body: Buffer.from(xml) };
}
