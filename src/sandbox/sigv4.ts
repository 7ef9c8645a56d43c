// SigV4: the sandbox routes by the credential scope and verifies signatures with the secrets it
// issued, so a client misconfigured for the sandbox fails the way it would against AWS.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface SigV4Auth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$/;

export function parseAuthorization(header: string | undefined): SigV4Auth | undefined {
  if (header === undefined) return undefined;
  const m = AUTH_RE.exec(header);
  if (m === null) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = m as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    date: date as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signed as string).split(";"),
    signature: signature as string,
  };
}

/** RFC 3986 encoding as SigV4 requires (encodeURIComponent leaves !'()* alone). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, "%20"));
  } catch {
    return s;
  }
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  const pairs = rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const i = p.indexOf("=");
      const k = i === -1 ? p : p.slice(0, i);
      const v = i === -1 ? "" : p.slice(i + 1);
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    })
    .filter(([k]) => k !== "X-Amz-Signature");
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function canonicalPath(rawPath: string, service: string): string {
  // S3 signs the path as sent; every other service signs each segment encoded once more.
  if (service === "s3") return rawPath === "" ? "/" : rawPath;
  const segments: string[] = [];
  for (const seg of rawPath.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  const normalized = `/${segments.join("/")}${rawPath.endsWith("/") && segments.length > 0 ? "/" : ""}`;
  return normalized
    .split("/")
    .map((seg) => uriEncode(seg))
    .join("/");
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function expectedSignature(req: SignedRequest, auth: SigV4Auth, secretAccessKey: string): string {
  const q = req.url.indexOf("?");
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQuery = q === -1 ? "" : req.url.slice(q + 1);
  const headerValue = (name: string) => {
    const v = req.headers[name];
    const s = Array.isArray(v) ? v.join(",") : (v ?? "");
    return s.trim().replace(/\s+/g, " ");
  };
  const canonicalHeaders = auth.signedHeaders.map((h) => `${h}:${headerValue(h)}\n`).join("");
  const declaredHash = req.headers["x-amz-content-sha256"];
  const payloadHash =
    typeof declaredHash === "string" && declaredHash !== ""
      ? declaredHash
      : createHash("sha256").update(req.body).digest("hex");
  const canonicalRequest = [
    req.method,
    canonicalPath(rawPath, auth.service),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const amzDate = headerValue("x-amz-date");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const kDate = hmac(`AWS4${secretAccessKey}`, auth.date);
  const kSigning = hmac(hmac(hmac(kDate, auth.region), auth.service), "aws4_request");
  return createHmac("sha256", kSigning).update(stringToSign).digest("hex");
}

export function verifySignature(req: SignedRequest, auth: SigV4Auth, secretAccessKey: string): boolean {
  const expected = Buffer.from(expectedSignature(req, auth, secretAccessKey), "hex");
  const given = Buffer.from(auth.signature, "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The parts of a SigV4 presigned URL (query-string authentication). */
export interface PresignedUrl {
  auth: SigV4Auth;
  amzDate: string;
  expiresSeconds: number;
  sessionToken: string | undefined;
  host: string;
  /** Path and query as signed (query without X-Amz-Signature is recomputed by the verifier). */
  pathAndQuery: string;
}

const CREDENTIAL_RE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/** Parses `https://host/path?X-Amz-…` (scheme optional); undefined when it is not a SigV4 presigned URL. */
export function parsePresignedUrl(text: string): PresignedUrl | undefined {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
  const p = url.searchParams;
  const cred = CREDENTIAL_RE.exec(p.get("X-Amz-Credential") ?? "");
  const signature = p.get("X-Amz-Signature");
  const amzDate = p.get("X-Amz-Date");
  const signed = p.get("X-Amz-SignedHeaders");
  if (p.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || cred === null || !signature || !amzDate || !signed)
    return undefined;
  // Anything appended after signing (the token generator adds `&Version=1`) is not part of the signature.
  const query = [...p.entries()]
    .filter(([k]) => k !== "Version")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return {
    auth: {
      accessKeyId: cred[1] as string,
      date: cred[2] as string,
      region: cred[3] as string,
      service: cred[4] as string,
      signedHeaders: signed.split(";"),
      signature,
    },
    amzDate,
    expiresSeconds: Number(p.get("X-Amz-Expires") ?? "0"),
    sessionToken: p.get("X-Amz-Security-Token") ?? undefined,
    host: url.host,
    pathAndQuery: `${url.pathname}?${query}`,
  };
}

/** Verifies a presigned GET; botocore signs UNSIGNED-PAYLOAD, the JS signer the empty body's hash. */
export function verifyPresignedUrl(u: PresignedUrl, secretAccessKey: string): boolean {
  const given = Buffer.from(u.auth.signature, "hex");
  return ["UNSIGNED-PAYLOAD", createHash("sha256").update("").digest("hex")].some((payloadHash) => {
    const headers = { host: u.host, "x-amz-date": u.amzDate, "x-amz-content-sha256": payloadHash };
    const expected = Buffer.from(
      expectedSignature(
        { method: "GET", url: u.pathAndQuery, headers, body: Buffer.alloc(0) },
        u.auth,
        secretAccessKey,
      ),
      "hex",
    );
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}
