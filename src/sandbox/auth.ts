// Who is calling: the access key the sandbox issued (SigV4, verified by the server), or an Amazon
// Bedrock API key sent as a bearer token. Long-term keys are IAM service-specific credentials of an
// IAM user; short-term keys are SigV4 presigned URLs made with the caller's own credentials
// [doc "API keys for Amazon Bedrock", IAM User Guide; "Generate Amazon Bedrock API keys"].
import type { IncomingHttpHeaders } from "node:http";
import type { Caller } from "./context.js";
import { parseAuthorization, parsePresignedUrl, type SigV4Auth, verifyPresignedUrl } from "./sigv4.js";
import type { SandboxState } from "./state.js";

export interface KeyIdentity {
  caller?: Caller;
  secret?: string;
  token?: string;
  expired?: boolean;
}

/** The identity behind an access key id the sandbox issued (base user or an AssumeRole session). */
export function identityForAccessKey(state: SandboxState, accessKeyId: string, nowMs: number): KeyIdentity {
  if (accessKeyId === state.base.accessKeyId) {
    return {
      secret: state.base.secretAccessKey,
      caller: {
        account: state.base.account,
        arn: state.base.userArn,
        principalArn: state.base.userArn,
        userId: state.base.userId,
        accessKeyId,
        session: undefined,
      },
    };
  }
  const s = state.sessions.get(accessKeyId);
  if (s === undefined) return {};
  return {
    secret: s.secretAccessKey,
    token: s.sessionToken,
    expired: s.expiration.getTime() <= nowMs,
    caller: {
      account: s.account,
      arn: `arn:aws:sts::${s.account}:assumed-role/${s.roleName}/${s.sessionName}`,
      principalArn: s.roleArn,
      userId: `${s.roleId}:${s.sessionName}`,
      accessKeyId,
      session: s,
    },
  };
}

export type Credential = { kind: "sigv4"; auth: SigV4Auth } | { kind: "bearer"; token: string } | { kind: "none" };

/** SigV4 `Authorization`, `Authorization: Bearer <key>`, or bedrock-mantle's `x-api-key: <key>`. */
export function credentialOf(headers: IncomingHttpHeaders): Credential {
  const authz = typeof headers.authorization === "string" ? headers.authorization : undefined;
  if (authz !== undefined && /^Bearer\s+/i.test(authz))
    return { kind: "bearer", token: authz.replace(/^Bearer\s+/i, "") };
  const sig = parseAuthorization(authz);
  if (sig !== undefined) return { kind: "sigv4", auth: sig };
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return { kind: "bearer", token: apiKey };
  return { kind: "none" };
}

export type BearerFailure = "format" | "unknown" | "expired";

export interface BearerIdentity {
  caller?: Caller;
  /** Short-term keys carry their Region in the presigned URL's scope. */
  region?: string;
  failure?: BearerFailure;
}

const SHORT_TERM_PREFIX = "bedrock-api-key-";

export function identityForBearer(state: SandboxState, token: string, nowMs: number): BearerIdentity {
  if (token.startsWith(SHORT_TERM_PREFIX)) {
    const url = parsePresignedUrl(Buffer.from(token.slice(SHORT_TERM_PREFIX.length), "base64").toString("utf8"));
    if (url === undefined) return { failure: "unknown" };
    const who = identityForAccessKey(state, url.auth.accessKeyId, nowMs);
    if (who.caller === undefined || who.secret === undefined) return { failure: "unknown" };
    if (who.token !== undefined && url.sessionToken !== who.token) return { failure: "unknown" };
    if (!verifyPresignedUrl(url, who.secret)) return { failure: "unknown" };
    const signedAt = Date.parse(
      url.amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    // A short-term key lives as long as its URL and at most as long as the session it came from.
    if (who.expired || Number.isNaN(signedAt) || signedAt + url.expiresSeconds * 1000 <= nowMs)
      return { failure: "expired" };
    return { caller: { ...who.caller, bearer: { type: "SHORT_TERM" } }, region: url.auth.region };
  }
  if (!token.startsWith("ABSK")) return { failure: "format" };
  const key = state.apiKeys.get(token);
  if (key === undefined || key.status !== "Active") return { failure: "unknown" };
  if (key.expiresAt !== undefined && key.expiresAt.getTime() <= nowMs) return { failure: "expired" };
  return {
    caller: {
      account: key.account,
      arn: key.userArn,
      principalArn: key.userArn,
      userId: key.userId,
      accessKeyId: key.id,
      session: undefined,
      bearer: { type: "LONG_TERM" },
    },
  };
}
