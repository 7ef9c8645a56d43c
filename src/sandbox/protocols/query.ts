// awsQuery (STS, IAM): form-encoded POST, XML replies wrapped in <OpResponse><OpResult>.
import type { AwsError } from "../errors.js";
import type { EncodedReply, Reply } from "./types.js";
import { escapeXml } from "./xml.js";

export function parseQueryBody(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString("utf8"));
}

/** Collects `Prefix.member.N` (and `Prefix.member.N.Field`) parameters into a list, in N order. */
export function queryList(params: URLSearchParams, prefix: string): string[] {
  const out: [number, string][] = [];
  const re = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.member\\.(\\d+)$`);
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** Collects `Prefix.member.N.Field` structures. */
export function queryStructList(params: URLSearchParams, prefix: string): Record<string, string | string[]>[] {
  const byIndex = new Map<number, Record<string, string | string[]>>();
  const re = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.member\\.(\\d+)\\.(\\w+)(?:\\.member\\.(\\d+))?$`);
  const listParts = new Map<string, [number, string][]>();
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (!m) continue;
    const idx = Number(m[1]);
    const field = m[2] as string;
    let rec = byIndex.get(idx);
    if (rec === undefined) {
      rec = {};
      byIndex.set(idx, rec);
    }
    if (m[3] !== undefined) {
      const key = `${idx}|${field}`;
      const parts = listParts.get(key) ?? [];
      parts.push([Number(m[3]), v]);
      listParts.set(key, parts);
      rec[field] = parts.sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    } else rec[field] = v;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

export function encodeQueryReply(action: string, namespace: string, reply: Reply, requestId: string): EncodedReply {
  const xml =
    `<${action}Response xmlns="${namespace}">` +
    `<${action}Result>${String(reply.body ?? "")}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>`;
  return {
    status: reply.status ?? 200,
    headers: { "content-type": "text/xml", ...reply.headers },
    body: Buffer.from(xml),
  };
}

export function encodeQueryError(err: AwsError, requestId: string): EncodedReply {
  const xml =
    `<ErrorResponse><Error><Type>${err.faultType}</Type><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: err.status, headers: { "content-type": "text/xml" }, body: Buffer.from(xml) };
}
