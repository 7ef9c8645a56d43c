// The only reader of process.env. Validated once at start, then frozen. A bad value stops the
// process with one line naming the variable and what it expects.
import path from "node:path";
import { ROLES, type Role } from "./modules/auth/auth.types.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface OidcConfig {
  issuer: string;
  jwksUrl: string;
  audience: string;
  /** Claim holding the user's groups or roles (dot path allowed, e.g. `realm_access.roles`). */
  rolesClaim: string;
  /** Group name → role. Values that are role names map to themselves when no mapping names them. */
  groupRoleMap: ReadonlyMap<string, Role>;
  clockToleranceSeconds: number;
}

export interface EmbeddedPostgresConfig {
  dataDir: string;
  port: number;
}

export interface Config {
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Unset: an embedded PostgreSQL is started (serve) or joined (worker, migrate). */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  embeddedPostgres: EmbeddedPostgresConfig;
  bodyLimitBytes: number;
  trustProxy: boolean;
  oidc: OidcConfig | undefined;
  /** `auto`: when no API key exists yet, create an admin key and print it once on the console. */
  bootstrapAdmin: "auto" | "off";
  shutdownTimeoutMs: number;
  jobConcurrency: number;
  docsEnabled: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly value: string | undefined,
    readonly secret = false,
  ) {
    const shown = value === undefined ? "unset" : secret ? "(hidden)" : JSON.stringify(value);
    super(`invalid configuration: ${variable}=${shown}: expected ${expected}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, "true or false", raw);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], def: T): T {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `one of ${allowed.join(", ")}`, raw);
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[], secret = false): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(" or ")})`, raw, secret);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(name, `a URL (${protocols.join(" or ")})`, raw, secret);
  return raw;
}

function groupRoleMap(env: Env, name: string): Map<string, Role> {
  const raw = str(env, name);
  const map = new Map<string, Role>();
  if (raw === undefined) return map;
  for (const pair of raw.split(",")) {
    const [group, role] = pair.split("=").map((s) => s.trim());
    if (!group || !role || !(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(name, `comma-separated group=role pairs with role in ${ROLES.join("|")}`, raw);
    }
    map.set(group, role as Role);
  }
  return map;
}

function oidc(env: Env): OidcConfig | undefined {
  const issuer = url(env, "OIDC_ISSUER", ["https:", "http:"]);
  const jwksUrl = url(env, "OIDC_JWKS_URL", ["https:", "http:"]);
  const audience = str(env, "OIDC_AUDIENCE");
  const set = [issuer, jwksUrl, audience].filter((v) => v !== undefined).length;
  if (set === 0) return undefined;
  if (set !== 3) {
    const missing = !issuer ? "OIDC_ISSUER" : !jwksUrl ? "OIDC_JWKS_URL" : "OIDC_AUDIENCE";
    throw new ConfigError(missing, "a value: OIDC_ISSUER, OIDC_JWKS_URL and OIDC_AUDIENCE are set together", undefined);
  }
  return {
    issuer: issuer as string,
    jwksUrl: jwksUrl as string,
    audience: audience as string,
    rolesClaim: str(env, "OIDC_ROLES_CLAIM") ?? "groups",
    groupRoleMap: groupRoleMap(env, "OIDC_GROUP_ROLE_MAP"),
    clockToleranceSeconds: int(env, "OIDC_CLOCK_TOLERANCE_SECONDS", 5, 0, 300),
  };
}

/** Reads and validates configuration. Throws ConfigError on the first bad variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const config: Config = {
    host: str(env, "HOST") ?? "127.0.0.1",
    port: int(env, "PORT", 3000, 0, 65535),
    logLevel: oneOf(env, "LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"], true),
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", 10, 1, 200),
    embeddedPostgres: {
      dataDir: path.resolve(cwd, str(env, "EMBEDDED_PG_DIR") ?? ".data/postgres"),
      port: int(env, "EMBEDDED_PG_PORT", 54329, 1, 65535),
    },
    bodyLimitBytes: int(env, "BODY_LIMIT_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    trustProxy: bool(env, "TRUST_PROXY", false),
    oidc: oidc(env),
    bootstrapAdmin: oneOf(env, "BOOTSTRAP_ADMIN", ["auto", "off"], "auto"),
    shutdownTimeoutMs: int(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 100, 600_000),
    jobConcurrency: int(env, "JOB_CONCURRENCY", 4, 1, 256),
    docsEnabled: bool(env, "DOCS_ENABLED", true),
  };
  return Object.freeze(config);
}
