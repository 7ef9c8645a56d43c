// Opaque, tamper-evident-enough page tokens shared by the JSON services.
import type { AwsError } from "./errors.js";

export interface PageToken {
  /** Operation and scope the token belongs to, so one op's token is rejected by another. */
  scope: string;
  offset: number;
  /** Set once the empty page at a shard boundary has been served. */
  skipped?: boolean;
}

export function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

export function decodeToken(token: string | undefined, scope: string, invalid: () => AwsError): PageToken | undefined {
  if (token === undefined || token === "") return undefined;
  try {
    const t = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageToken;
    if (t.scope === scope && Number.isInteger(t.offset) && t.offset >= 0) return t;
  } catch {
    // fall through
  }
  throw invalid();
}

export interface PageOptions {
  scope: string;
  token: string | undefined;
  pageSize: number;
  /** Serve an empty page (still carrying a token) at every multiple of this offset, like AWS's sharded lists. */
  emptyPageEvery?: number;
  invalid: () => AwsError;
}

export function paginate<T>(items: readonly T[], o: PageOptions): { page: T[]; nextToken: string | undefined } {
  const t = decodeToken(o.token, o.scope, o.invalid);
  const offset = t?.offset ?? 0;
  if (offset > items.length) throw o.invalid();
  const every = o.emptyPageEvery ?? 0;
  if (every > 0 && offset > 0 && offset < items.length && offset % every === 0 && t?.skipped !== true) {
    return { page: [], nextToken: encodeToken({ scope: o.scope, offset, skipped: true }) };
  }
  // A page never crosses a shard boundary, so the empty page lands exactly on it.
  let end = Math.min(items.length, offset + o.pageSize);
  if (every > 0) end = Math.min(end, (Math.floor(offset / every) + 1) * every);
  const page = items.slice(offset, end);
  return { page, nextToken: end < items.length ? encodeToken({ scope: o.scope, offset: end }) : undefined };
}
