// SigV4-signed JSON requests to AWS endpoints that have no AWS SDK client (bedrock-mantle on
// `bedrock-mantle.<region>.api.aws`, signed as service `bedrock-mantle`). They get what SDK clients
// get from clients.ts: the same endpoint override, the per-(account, Region, API) quota before every
// attempt, retries with jittered backoff for throttling and server or network failures, a request
// timeout. Failures are thrown shaped like SDK errors (name, message, $metadata) so toAwsGateError
// classifies them like any other call.
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider, SourceData } from "@smithy/types";
import { awsSpanAttributes, inSpan, SpanKind } from "../lib/tracing.js";
import type { ClientSettings } from "./clients.js";
import { isThrottlingError } from "./errors.js";
import { type RateLimiter, rateFor } from "./rate-limiter.js";

const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === "string"
    ? d
    : d instanceof Uint8Array
      ? d
      : ArrayBuffer.isView(d)
        ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
        : new Uint8Array(d);

/** The signer's hash (SHA-256, or HMAC-SHA-256 with a key) on node:crypto. */
export class Sha256 {
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** An HTTP failure shaped like an SDK service exception. */
export class SignedHttpError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  readonly $fault: "client" | "server";
  readonly code: string | undefined;
  constructor(name: string, message: string, status: number | undefined, code?: string) {
    super(message);
    this.name = name;
    this.code = code;
    this.$metadata = status === undefined ? {} : { httpStatusCode: status };
    this.$fault = status !== undefined && status < 500 ? "client" : "server";
  }
}

/** The AWS exception name an HTTP status stands for (the OpenAI-style bodies carry their own codes). */
function nameFor(status: number, bodyCode: unknown): string {
  if (typeof bodyCode === "string" && /Exception$|^Throttling$/.test(bodyCode)) return bodyCode;
  if (status === 401) return "UnrecognizedClientException";
  if (status === 403) return "AccessDeniedException";
  if (status === 404) return "ResourceNotFoundException";
  if (status === 429) return "ThrottlingException";
  if (status === 503) return "ServiceUnavailableException";
  if (status >= 500) return "InternalServerException";
  return "ValidationException";
}

function errorOf(status: number, body: unknown, text: string): SignedHttpError {
  const o = (body ?? {}) as { error?: { message?: unknown; code?: unknown; type?: unknown }; message?: unknown };
  const message =
    typeof o.error?.message === "string"
      ? o.error.message
      : typeof o.message === "string"
        ? o.message
        : text.slice(0, 500) || `HTTP ${status}`;
  const code = typeof o.error?.code === "string" ? o.error.code : undefined;
  return new SignedHttpError(nameFor(status, code ?? o.error?.type), message, status, code);
}

const retryable = (e: SignedHttpError) => {
  const s = e.$metadata.httpStatusCode;
  return s === undefined ? e.name !== "ENOTFOUND" : s === 429 || s >= 500;
};

export interface SignedJsonRequest {
  /** The API's operation name, for its quota (`bedrock-mantle:ListProjects`). */
  operation: string;
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  /** A JSON body (POST). */
  body?: unknown;
  /** Extra headers, signed with the request (`OpenAI-Project`, `anthropic-workspace`…). */
  headers?: Record<string, string>;
}

export interface SignedHttpClient {
  json(req: SignedJsonRequest): Promise<unknown>;
}

export function createSignedHttp(settings: ClientSettings, limiter: RateLimiter) {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    /** A client for `service` in `account`/`region` on `https://<host>` (or the endpoint override). */
    client(
      service: string,
      scope: { account: string; region: string },
      credentials: AwsCredentialIdentityProvider,
      host: string,
    ): SignedHttpClient {
      const base = new URL(settings.endpoint ?? `https://${host}`);
      const signer = new SignatureV4({ service, region: scope.region, credentials, sha256: Sha256 });
      const lane = `${scope.account}:${scope.region}:${service}`;

      async function attempt(req: SignedJsonRequest): Promise<unknown> {
        const url = new URL(req.path, base);
        for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
        const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
        const signed = await signer.sign({
          method: req.method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: {
            host: url.host,
            accept: "application/json",
            ...(payload !== undefined ? { "content-type": "application/json" } : {}),
            ...(req.headers ?? {}),
          },
          ...(payload !== undefined ? { body: payload } : {}),
        });
        let res: Response;
        try {
          res = await fetch(url, {
            method: req.method,
            headers: signed.headers as Record<string, string>,
            ...(payload !== undefined ? { body: payload } : {}),
            signal: AbortSignal.timeout(settings.requestTimeoutMs),
          });
        } catch (err) {
          const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
          const name = e.name === "TimeoutError" ? "TimeoutError" : (e.cause?.code ?? "NetworkError");
          throw new SignedHttpError(name, e.cause?.message ?? e.message ?? String(err), undefined);
        }
        const text = await res.text();
        let body: unknown;
        try {
          body = text === "" ? {} : JSON.parse(text);
        } catch {
          body = undefined;
        }
        if (!res.ok) throw errorOf(res.status, body, text);
        if (body === undefined)
          throw new SignedHttpError("SerializationException", "the answer is not JSON", res.status);
        return body;
      }

      return {
        async json(req) {
          const attempts = Math.max(1, settings.maxAttempts);
          for (let i = 1; ; i++) {
            await limiter.acquire(`${lane}:${req.operation}`, { tps: rateFor(settings.rates, service, req.operation) });
            try {
              const out = await inSpan(
                `${service}.${req.operation}`,
                { kind: SpanKind.CLIENT, attributes: awsSpanAttributes(service, req.operation, scope) },
                () => attempt(req),
              );
              settings.metrics?.awsCall(service, req.operation, { throttled: false });
              return out;
            } catch (err) {
              settings.metrics?.awsCall(service, req.operation, {
                error: err instanceof Error && err.name ? err.name : "Error",
                throttled: isThrottlingError(err),
              });
              if (!(err instanceof SignedHttpError) || !retryable(err) || i >= attempts) throw err;
              // Full jitter, as the SDKs' standard retry strategy: 0..min(20 s, 100 ms × 2^i).
              await sleep(Math.random() * Math.min(20_000, 100 * 2 ** i));
            }
          }
        },
      };
    },
  };
}

export type SignedHttp = ReturnType<typeof createSignedHttp>;
