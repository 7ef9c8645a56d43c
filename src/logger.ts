// pino JSON logs. Credentials never reach a line: headers and well-known secret fields are
// redacted wherever they sit in a logged object (up to three levels deep).
import pino, { type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.js";

const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "x-api-key",
  "apiKey",
  "secret",
  "password",
  "token",
  "accessToken",
  "idToken",
  "refreshToken",
  "secretAccessKey",
  "SecretAccessKey",
  "sessionToken",
  "SessionToken",
  "databaseUrl",
  "connectionString",
  "apiKeyHashSecret",
  "secretEncryptionKey",
];

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-api-key"]',
  'req.headers["x-amz-security-token"]',
  ...SECRET_KEYS.flatMap((k) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
    const dot = key.startsWith("[") ? "" : ".";
    return [key.startsWith("[") ? `*${key}` : key, `*${dot}${key}`, `*.*${dot}${key}`];
  }),
];

/** Error fields worth a log line; drops attached objects (pg clients, sockets, requests). */
const ERROR_FIELDS = ["type", "message", "stack", "code", "name", "statusCode", "detail", "severity", "gate"] as const;

function serializeError(err: Error): Record<string, unknown> {
  const full = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ERROR_FIELDS) if (full[k] !== undefined) out[k] = full[k];
  if (err.cause instanceof Error) out.cause = serializeError(err.cause);
  return out;
}

/** API keys and bearer-looking values pasted into a URL by mistake are cut out before logging. */
const URL_SECRETS =
  /bgk_[0-9a-f]{16}_[A-Za-z0-9_-]+|((?:token|key|secret|password|signature|credential)[^=&]*=)[^&]*/gi;

export function scrubUrl(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // keep the raw form; it is scrubbed as it is
  }
  return decoded.replace(URL_SECRETS, (_m, param?: string) => (param ? `${param}[redacted]` : "[redacted]"));
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

function serializeRequest(req: RequestLike): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === "string" ? scrubUrl(req.url) : req.url,
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Logs to `destination`, else to stdout in batches: lines are gathered up to 4 kB (or 200 ms) and
 * written with one write(2), not one each (a write per access-log line was the largest cost of
 * logging under load), without blocking the event loop; what is still buffered is written
 * synchronously when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "bedrock-governor" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: serializeError, req: serializeRequest },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 }),
  );
}

/**
 * A child of `logger` (same stream, level, format and serializers) without the redaction walk:
 * for lines whose fields are fixed and carry no secret by construction (the access line: a
 * request as serializeRequest shapes it, with its URL scrubbed, and a status code). Redaction walks
 * every redaction path, most of them wildcards, over each line; on the access line it found nothing
 * and cost more than any other part of logging a request.
 */
export const fixedFieldsLogger = (logger: Logger): Logger => logger.child({}, { redact: [] });
