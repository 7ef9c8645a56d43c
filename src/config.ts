// The only reader of process.env. Validated once at start, then frozen. A bad value stops the
// process with one line naming the variable and what it expects.
import path from "node:path";
import { isAccountId, isRegion, parseIamArn } from "./kernel/aws-ids.js";
import { ROLES, type Role } from "./kernel/principal.js";

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

export interface AwsConfig {
  /** `sandbox`: the built-in AWS emulator (in-process, or SANDBOX_URL); `aws`: a real organization. */
  target: "sandbox" | "aws";
  homeRegion: string;
  hubRoleArn: string | undefined;
  memberRoleName: string;
  externalId: string | undefined;
  roleSessionName: string;
  roleDurationSeconds: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  /** `service:Operation` (or `service:*`, `*`) → requests per second, merged over the defaults. */
  rateLimits: ReadonlyMap<string, number>;
}

export interface SandboxConfig {
  /** A sandbox already running elsewhere (`bedrock-governor sandbox`); unset: start one in-process. */
  url: string | undefined;
  /** Scenario file (YAML/JSON); unset: the built-in demo organization. */
  scenarioFile: string | undefined;
  port: number;
}

export interface InventoryConfig {
  /** Regions in scope unless an OU or account overrides them; unset in sandbox mode: the scenario's. */
  regions: string[] | undefined;
  /** Cron expression of the periodic full sync, or undefined when off. */
  syncCron: string | undefined;
  /** Account-Region sync jobs one process runs at once. */
  syncConcurrency: number;
  /** A sync job running longer than this is presumed dead (its worker killed) and retried. */
  syncJobTimeoutSeconds: number;
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
  aws: AwsConfig;
  sandbox: SandboxConfig;
  inventory: InventoryConfig;
  reconcile: { /** A model whose end of life is this close is reported as LEGACY_MODEL. */ legacyWindowDays: number };
  /** How often the job queue retries jobs of dead workers and checks schedules. */
  jobMaintenanceIntervalSeconds: number;
  audit: AuditConfig;
  requests: RequestsConfig;
  /** Where the `request` CLI commands reach the API, and the key they use. */
  apiClient: { url: string; apiKey: string | undefined };
  security: SecurityConfig;
}

/** Invocation audit from CloudTrail. */
export interface AuditConfig {
  /** First LookupEvents window: this many days back (CloudTrail keeps 90). */
  lookbackDays: number;
  /** Each window starts this long before the last checkpoint (late-delivered events). */
  overlapMinutes: number;
  /** Scheduled LookupEvents ingestion of every account-Region; undefined: off. */
  ingestCron: string | undefined;
  /** Organization trail bucket, the account that owns it and its Region (S3 ingestion defaults). */
  trailBucket: string | undefined;
  trailBucketAccount: string | undefined;
  trailBucketRegion: string | undefined;
}

export interface RequestsConfig {
  /** A pending request not decided within this expires. */
  pendingTtlHours: number;
  /** Longest access a request may ask for. */
  maxDurationHours: number;
  /** Cron of the sweep that expires requests and ends grants, or undefined when off. */
  sweepCron: string | undefined;
  verifyPollSeconds: number;
  verifyMaxPolls: number;
  webhookRetryLimit: number;
  webhookRetryDelaySeconds: number;
  webhookTimeoutMs: number;
}

export interface SecurityConfig {
  /** Requests one principal (or, unauthenticated, one IP) may make per window; 0 turns limiting off. */
  rateLimitMax: number;
  rateLimitWindowSeconds: number;
  /** Origins allowed by CORS; undefined: no CORS headers at all (browsers refuse cross-origin calls). */
  corsOrigins: string[] | undefined;
  /** Socket idle time before the first byte of a request, and the whole request's receive time. */
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Key of the HMAC that API key secrets are stored under; undefined: scrypt (a slow hash). */
  apiKeyHashSecret: string | undefined;
  /**
   * How long the API keeps a verified API key in memory (0: never). A revocation reaches every API
   * process at once by PostgreSQL NOTIFY; keys are not cached while that channel is down.
   */
  apiKeyCacheSeconds: number;
  /** Key material (≥ 32 characters) that secrets read back (webhook secrets) are encrypted under. */
  secretEncryptionKey: string | undefined;
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

function region(env: Env, name: string, def: string): string {
  const raw = str(env, name) ?? def;
  if (!isRegion(raw)) throw new ConfigError(name, "an AWS Region code such as us-east-1", raw);
  return raw;
}

function rateLimits(env: Env, name: string): Map<string, number> {
  const raw = str(env, name);
  const map = new Map<string, number>();
  if (raw === undefined) return map;
  for (const pair of raw.split(",")) {
    const m = /^\s*([a-z0-9-]+:[A-Za-z0-9*]+|\*)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(pair);
    const tps = m ? Number(m[2]) : Number.NaN;
    if (!m || !(tps > 0))
      throw new ConfigError(
        name,
        "comma-separated service:Operation=tps pairs, e.g. bedrock:*=10,cloudtrail:LookupEvents=2",
        raw,
      );
    map.set(m[1] as string, tps);
  }
  return map;
}

function awsConfig(env: Env): AwsConfig {
  const hubRoleArn = str(env, "AWS_HUB_ROLE_ARN");
  if (hubRoleArn !== undefined && parseIamArn(hubRoleArn)?.kind !== "role") {
    throw new ConfigError("AWS_HUB_ROLE_ARN", "an IAM role ARN (arn:aws:iam::123456789012:role/Name)", hubRoleArn);
  }
  const memberRoleName = str(env, "AWS_MEMBER_ROLE_NAME") ?? "BedrockGovernorAccess";
  if (!/^[\w+=,.@-]{1,64}$/.test(memberRoleName))
    throw new ConfigError("AWS_MEMBER_ROLE_NAME", "an IAM role name", memberRoleName);
  const externalId = str(env, "AWS_EXTERNAL_ID");
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    throw new ConfigError("AWS_EXTERNAL_ID", "2 to 1,224 characters of [\\w+=,.@:/-]", externalId, true);
  }
  const roleSessionName = str(env, "AWS_ROLE_SESSION_NAME") ?? "bedrock-governor";
  if (!/^[\w+=,.@-]{2,64}$/.test(roleSessionName)) {
    throw new ConfigError("AWS_ROLE_SESSION_NAME", "2 to 64 characters of [\\w+=,.@-]", roleSessionName);
  }
  return {
    target: oneOf(env, "AWS_TARGET", ["sandbox", "aws"], "sandbox"),
    homeRegion: region(env, "AWS_HOME_REGION", "us-east-1"),
    hubRoleArn,
    memberRoleName,
    externalId,
    roleSessionName,
    roleDurationSeconds: int(env, "AWS_ROLE_DURATION_SECONDS", 3600, 900, 43_200),
    maxAttempts: int(env, "AWS_MAX_ATTEMPTS", 5, 1, 20),
    requestTimeoutMs: int(env, "AWS_REQUEST_TIMEOUT_MS", 15_000, 100, 300_000),
    rateLimits: rateLimits(env, "AWS_RATE_LIMITS"),
  };
}

function regionList(env: Env, name: string): string[] | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const list = raw
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  if (list.length === 0 || !list.every(isRegion)) {
    throw new ConfigError(name, "a comma-separated list of AWS Region codes, e.g. us-east-1,eu-west-1", raw);
  }
  return [...new Set(list)];
}

function accountId(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw !== undefined && !isAccountId(raw)) throw new ConfigError(name, "a 12-digit AWS account id", raw);
  return raw;
}

function cron(env: Env, name: string, def: string): string | undefined {
  const raw = str(env, name) ?? def;
  if (raw === "off") return undefined;
  if (!/^(\S+\s+){4}\S+$/.test(raw))
    throw new ConfigError(name, 'a 5-field cron expression (e.g. "0 */6 * * *") or "off"', raw);
  return raw;
}

function corsOrigins(env: Env, name: string): string[] | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  const list = raw
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  const valid = (o: string) => {
    try {
      const u = new URL(o);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === o;
    } catch {
      return false;
    }
  };
  if (list.length === 0 || !list.every(valid))
    throw new ConfigError(name, "comma-separated origins such as https://console.example.com (no path)", raw);
  return list;
}

function securityConfig(env: Env): SecurityConfig {
  const apiKeyHashSecret = str(env, "API_KEY_HASH_SECRET");
  if (apiKeyHashSecret !== undefined && apiKeyHashSecret.length < 32)
    throw new ConfigError("API_KEY_HASH_SECRET", "at least 32 characters (e.g. openssl rand -base64 48)", "", true);
  const secretEncryptionKey = str(env, "SECRET_ENCRYPTION_KEY");
  if (secretEncryptionKey !== undefined && secretEncryptionKey.length < 32)
    throw new ConfigError("SECRET_ENCRYPTION_KEY", "at least 32 characters (e.g. openssl rand -base64 48)", "", true);
  return {
    rateLimitMax: int(env, "RATE_LIMIT_MAX", 1200, 0, 10_000_000),
    rateLimitWindowSeconds: int(env, "RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
    corsOrigins: corsOrigins(env, "CORS_ORIGINS"),
    connectionTimeoutMs: int(env, "CONNECTION_TIMEOUT_MS", 10_000, 100, 600_000),
    requestTimeoutMs: int(env, "REQUEST_TIMEOUT_MS", 30_000, 100, 600_000),
    apiKeyHashSecret,
    apiKeyCacheSeconds: int(env, "API_KEY_CACHE_SECONDS", 30, 0, 3600),
    secretEncryptionKey,
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
    aws: awsConfig(env),
    sandbox: {
      url: url(env, "SANDBOX_URL", ["http:", "https:"]),
      scenarioFile: str(env, "SANDBOX_SCENARIO")
        ? path.resolve(cwd, str(env, "SANDBOX_SCENARIO") as string)
        : undefined,
      port: int(env, "SANDBOX_PORT", 0, 0, 65535),
    },
    inventory: {
      regions: regionList(env, "INVENTORY_REGIONS"),
      syncCron: cron(env, "SYNC_CRON", "0 */6 * * *"),
      syncConcurrency: int(env, "SYNC_CONCURRENCY", 32, 1, 2000),
      syncJobTimeoutSeconds: int(env, "SYNC_JOB_TIMEOUT_SECONDS", 900, 5, 86_400),
    },
    reconcile: { legacyWindowDays: int(env, "RECONCILE_LEGACY_WINDOW_DAYS", 90, 0, 3650) },
    jobMaintenanceIntervalSeconds: int(env, "JOB_MAINTENANCE_INTERVAL_SECONDS", 30, 1, 3600),
    audit: {
      lookbackDays: int(env, "AUDIT_LOOKBACK_DAYS", 7, 1, 90),
      overlapMinutes: int(env, "AUDIT_OVERLAP_MINUTES", 20, 0, 1440),
      ingestCron: cron(env, "AUDIT_INGEST_CRON", "off"),
      trailBucket: str(env, "AUDIT_TRAIL_BUCKET"),
      trailBucketAccount: accountId(env, "AUDIT_TRAIL_BUCKET_ACCOUNT"),
      trailBucketRegion: str(env, "AUDIT_TRAIL_BUCKET_REGION")
        ? region(env, "AUDIT_TRAIL_BUCKET_REGION", "")
        : undefined,
    },
    requests: {
      pendingTtlHours: int(env, "REQUESTS_PENDING_TTL_HOURS", 168, 1, 8760),
      maxDurationHours: int(env, "REQUESTS_MAX_DURATION_HOURS", 2160, 1, 87_600),
      sweepCron: cron(env, "REQUESTS_SWEEP_CRON", "*/5 * * * *"),
      verifyPollSeconds: int(env, "REQUESTS_VERIFY_POLL_SECONDS", 2, 1, 600),
      verifyMaxPolls: int(env, "REQUESTS_VERIFY_MAX_POLLS", 450, 1, 100_000),
      webhookRetryLimit: int(env, "WEBHOOK_RETRY_LIMIT", 8, 0, 100),
      webhookRetryDelaySeconds: int(env, "WEBHOOK_RETRY_DELAY_SECONDS", 10, 1, 86_400),
      webhookTimeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
    },
    apiClient: {
      url: url(env, "GOVERNOR_URL", ["http:", "https:"]) ?? "http://127.0.0.1:3000",
      apiKey: str(env, "GOVERNOR_API_KEY"),
    },
    security: securityConfig(env),
  };
  return Object.freeze(config);
}
