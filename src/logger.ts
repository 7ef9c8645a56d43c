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

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "bedrock-governor" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
