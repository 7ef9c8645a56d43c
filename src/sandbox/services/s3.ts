// S3 (restXml, path-style): the organization trail bucket, ListObjectsV2 and GetObject over
// gzip CloudTrail files derived from the same events LookupEvents serves; and PutObject (then
// GetObject) into any other bucket, where report schedules deliver reports.
import { createHash } from "node:crypto";
import type { CallContext, ServiceModule } from "../context.js";
import { AwsError } from "../errors.js";
import { escapeXml } from "../protocols/xml.js";
import { type TrailObject, trailObjectBody, trailObjects } from "../trail.js";

interface Stored {
  obj: TrailObject;
  body: Buffer;
  etag: string;
}

function splitPath(rawPath: string): { bucket: string; key: string } {
  const trimmed = rawPath.replace(/^\/+/, "");
  const i = trimmed.indexOf("/");
  const bucket = decodeURIComponent(i === -1 ? trimmed : trimmed.slice(0, i));
  const key =
    i === -1
      ? ""
      : trimmed
          .slice(i + 1)
          .split("/")
          .map(decodeURIComponent)
          .join("/");
  return { bucket, key };
}

/** An object written with PutObject (kept in memory for the sandbox's life). */
interface Uploaded {
  body: Buffer;
  etag: string;
  contentType: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

/**
 * PutObject as the S3 API reference describes it
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html): `PUT /{Bucket}/{Key}`
 * with the bytes as the body, `Content-Type` and `x-amz-meta-*` user metadata; answers 200 with
 * the `ETag` header (the MD5 of the body in quotes for a single-part upload). The trail bucket is
 * read-only here.
 */
function putObject(ctx: CallContext, bucket: string, key: string, uploads: Map<string, Uploaded>) {
  if (bucket === ctx.state.trail.bucket) throw new AwsError("AccessDenied", "Access Denied", 403);
  if (key.length > 1024) throw new AwsError("KeyTooLongError", "Your key is too long", 400);
  const declared = ctx.headers["content-length"];
  if (
    declared !== undefined &&
    Number(declared) !== ctx.body.length &&
    ctx.headers["x-amz-decoded-content-length"] === undefined
  )
    throw new AwsError(
      "IncompleteBody",
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
      400,
    );
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers))
    if (name.startsWith("x-amz-meta-") && typeof value === "string") metadata[name.slice(11)] = value;
  const etag = `"${createHash("md5").update(ctx.body).digest("hex")}"`;
  uploads.set(`${bucket}/${key}`, {
    body: Buffer.from(ctx.body),
    etag,
    contentType: String(ctx.headers["content-type"] ?? "binary/octet-stream"),
    lastModified: ctx.now(),
    metadata,
  });
  return { headers: { etag }, body: "" };
}

export function createS3Service(): ServiceModule {
  const uploads = new Map<string, Uploaded>();
  // Files are rebuilt only when events were added; bodies are gzipped once per content version.
  let listedAt = "";
  let objects: TrailObject[] = [];
  const bodies = new Map<string, { count: number; stored: Stored }>();
  const current = (ctx: CallContext): TrailObject[] => {
    const { events, dataEvents } = ctx.state.trail;
    const version = `${events.length}|${ctx.state.trail.keyPrefix ?? ""}|${dataEvents.join(",")}`;
    if (version !== listedAt) {
      // Data events (bedrock-mantle inference) reach the files only through a data-event selector.
      const logsMantle = dataEvents.includes("bedrock-mantle");
      const logged = logsMantle ? events : events.filter((e) => e.dataEvent !== true);
      objects = trailObjects(ctx.state.organization.id, logged, ctx.state.trail.keyPrefix);
      listedAt = version;
    }
    return objects;
  };
  const stored = (obj: TrailObject): Stored => {
    const hit = bodies.get(obj.key);
    if (hit !== undefined && hit.count === obj.events.length) return hit.stored;
    const body = trailObjectBody(obj);
    const s = { obj, body, etag: `"${createHash("md5").update(body).digest("hex")}"` };
    bodies.set(obj.key, { count: obj.events.length, stored: s });
    return s;
  };

  function authorize(ctx: CallContext, bucket: string): void {
    const { trail, organization } = ctx.state;
    if (bucket !== trail.bucket)
      throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404, { BucketName: bucket });
    if (ctx.caller.account !== trail.bucketAccount && ctx.caller.account !== organization.managementAccountId)
      throw new AwsError("AccessDenied", "Access Denied", 403);
  }

  function list(ctx: CallContext, bucket: string): string {
    const q = ctx.query;
    const prefix = q.get("prefix") ?? "";
    const delimiter = q.get("delimiter") ?? "";
    const maxKeys = q.get("max-keys") === null ? 1000 : Number(q.get("max-keys"));
    if (!Number.isInteger(maxKeys) || maxKeys < 0)
      throw new AwsError("InvalidArgument", "max-keys must be a non-negative integer", 400);
    const token = q.get("continuation-token");
    let after = q.get("start-after") ?? "";
    if (token !== null) {
      try {
        after = Buffer.from(token, "base64url").toString("utf8");
      } catch {
        throw new AwsError("InvalidArgument", "The continuation token provided is incorrect", 400);
      }
    }
    const contents: Stored[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let lastKey = "";
    for (const obj of current(ctx)) {
      if (!obj.key.startsWith(prefix) || obj.key <= after) continue;
      let entry: string | undefined;
      if (delimiter !== "") {
        const i = obj.key.indexOf(delimiter, prefix.length);
        if (i !== -1) entry = obj.key.slice(0, i + delimiter.length);
      }
      if (entry !== undefined && (prefixes[prefixes.length - 1] === entry || entry <= after)) continue;
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (entry !== undefined) {
        prefixes.push(entry);
        // Resume after every key under this common prefix.
        lastKey = `${entry}\uffff`;
      } else {
        contents.push(stored(obj));
        lastKey = obj.key;
      }
    }
    const el = (n: string, v: string | number | boolean) => `<${n}>${escapeXml(String(v))}</${n}>`;
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      el("Name", bucket) +
      el("Prefix", prefix) +
      (delimiter ? el("Delimiter", delimiter) : "") +
      el("KeyCount", contents.length + prefixes.length) +
      el("MaxKeys", maxKeys) +
      el("IsTruncated", truncated) +
      (token !== null ? el("ContinuationToken", token) : "") +
      (truncated ? el("NextContinuationToken", Buffer.from(lastKey).toString("base64url")) : "") +
      (q.get("start-after") !== null ? el("StartAfter", q.get("start-after") as string) : "") +
      contents
        .map(
          (s) =>
            `<Contents>${el("Key", s.obj.key)}${el("LastModified", s.obj.lastModified.toISOString())}${el("ETag", s.etag)}${el("Size", s.body.length)}${el("StorageClass", "STANDARD")}</Contents>`,
        )
        .join("") +
      prefixes.map((p) => `<CommonPrefixes>${el("Prefix", p)}</CommonPrefixes>`).join("") +
      "</ListBucketResult>"
    );
  }

  return {
    name: "s3",
    protocol: "rest-xml",
    resolveOperation(req) {
      const { bucket, key } = splitPath(req.path);
      if (bucket === "") return req.method === "GET" ? "ListBuckets" : undefined;
      if (key === "") return req.method === "GET" && req.query.get("list-type") === "2" ? "ListObjectsV2" : undefined;
      if (req.method === "GET") return "GetObject";
      if (req.method === "PUT" && req.headers["x-amz-copy-source"] === undefined) return "PutObject";
      return undefined;
    },
    handle(ctx) {
      const { bucket, key } = splitPath(ctx.path);
      if (ctx.operation === "ListBuckets") throw new AwsError("AccessDenied", "Access Denied", 403);
      if (ctx.operation === "PutObject") return putObject(ctx, bucket, key, uploads);
      const uploaded = ctx.operation === "GetObject" ? uploads.get(`${bucket}/${key}`) : undefined;
      if (uploaded !== undefined) {
        const meta = Object.fromEntries(Object.entries(uploaded.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
        const headers = {
          "content-type": uploaded.contentType,
          etag: uploaded.etag,
          "last-modified": uploaded.lastModified.toUTCString(),
          ...meta,
        };
        return { headers, body: uploaded.body };
      }
      authorize(ctx, bucket);
      if (ctx.operation === "ListObjectsV2") return { body: list(ctx, bucket) };
      const obj = current(ctx).find((o) => o.key === key);
      if (obj === undefined) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404, { Key: key });
      const s = stored(obj);
      const headers = {
        "content-type": "application/x-gzip",
        etag: s.etag,
        "last-modified": obj.lastModified.toUTCString(),
      };
      return { headers, body: s.body };
    },
  };
}
