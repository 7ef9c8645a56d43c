// The only reader of process.env. Validated once at start, then frozen. A bad value stops the
// process with one line naming the variable and what it expects.
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  accountId,
  bool,
  ConfigError,
  corsOrigins,
  cron,
  destinationAllowList,
  type Env,
  groupRoleMap,
  int,
  oneOf,
  type RenamedVariable,
  rateLimits,
  region,
  regionList,
  renamed,
  str,
  url,
} from "./config/parse.js";
import { type ReportsConfig, reportsConfig } from "./config/reports.js";
import { type MetricsConfig, metricsConfig, type TracingConfig, tracingConfig } from "./config/telemetry.js";
import { parseIamArn } from "./kernel/aws-ids.js";
import type { Role } from "./kernel/principal.js";
import type { DestinationAllowList } from "./lib/network-destination.js";
import { packageRoot } from "./lib/package-root.js";

export { ConfigError, type MetricsConfig, type RenamedVariable, type TracingConfig };

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
  /** The web console's OAuth client id (authorization code + PKCE, a public client); unset: no OIDC sign-in in the console. */
  consoleClientId: string | undefined;
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
  /**
   * Where the installation's sandbox records its URL and saves its organization (SANDBOX_STATE_DIR;
   * default `sandbox` beside the embedded PostgreSQL folder), so every process shares one organization.
   */
  stateDir: string;
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

/** Prometheus scraping of `GET /metrics`. */

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
  /** The built web console (`vite build` output) served at `/`. */
  consoleDir: string;
  metrics: MetricsConfig;
  /** OpenTelemetry traces (OTLP over HTTP); undefined: off. */
  tracing: TracingConfig | undefined;
  aws: AwsConfig;
  sandbox: SandboxConfig;
  inventory: InventoryConfig;
  reconcile: { /** A model whose end of life is this close is reported as LEGACY_MODEL. */ legacyWindowDays: number };
  /** How often the job queue retries jobs of dead workers and checks schedules. */
  jobMaintenanceIntervalSeconds: number;
  invocations: InvocationsConfig;
  requests: RequestsConfig;
  remediation: {
    /** Cron of the sweep that recovers applies whose process died, or undefined when off. */
    recoverCron: string | undefined;
    /** An apply's lease on its plan (renewed while it runs); the recovery takes over once it has run out. */
    applyLeaseSeconds: number;
  };
  /** Where the `request` CLI commands reach the API, and the key they use. */
  apiClient: { url: string; apiKey: string | undefined };
  security: SecurityConfig;
  reports: ReportsConfig;
  /** Deprecated variable names set in the environment, each with the name that replaced it. */
  deprecatedVariables: readonly RenamedVariable[];
}

/** Bedrock invocations ingested from CloudTrail (INVOCATIONS_*; formerly AUDIT_*, still read). */
export interface InvocationsConfig {
  /** First LookupEvents window: this many days back (CloudTrail keeps 90). */
  lookbackDays: number;
  /** Each window starts this long before the last checkpoint (late-delivered events). */
  overlapMinutes: number;
  /**
   * Scheduled ingestion of every account-Region (the trail bucket when configured, else
   * LookupEvents); hourly by default; undefined: off.
   */
  ingestCron: string | undefined;
  /** Organization trail bucket, the account that owns it and its Region (S3 ingestion defaults). */
  trailBucket: string | undefined;
  trailBucketAccount: string | undefined;
  trailBucketRegion: string | undefined;
  /** The organization trail's S3 key prefix (DescribeTrails `S3KeyPrefix`), if it has one. */
  trailKeyPrefix: string | undefined;
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
  /** A request waiting for an admin to apply plans is announced again every reminderHours, and
   * fails after timeoutHours (0: never). */
  waiting: { reminderHours: number; timeoutHours: number };
  webhookRetryLimit: number;
  webhookRetryDelaySeconds: number;
  webhookTimeoutMs: number;
  /**
   * Webhook destinations allowed although not public (loopback, private, link-local): CIDR blocks
   * and host names of on-premises receivers. Cloud metadata addresses are refused regardless.
   */
  webhookAllowedDestinations: DestinationAllowList;
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
  /** Ed25519 private key the exported audit-chain head is signed with; undefined: exported unsigned. */
  auditSigningKey: KeyObject | undefined;
}

/** AUDIT_SIGNING_KEY_FILE: a PKCS#8 PEM Ed25519 private key (openssl genpkey -algorithm ed25519). */
function auditSigningKey(env: Env, cwd: string): KeyObject | undefined {
  const file = str(env, "AUDIT_SIGNING_KEY_FILE");
  if (file === undefined) return undefined;
  const expects = "a readable PEM file holding an Ed25519 private key (openssl genpkey -algorithm ed25519)";
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path.resolve(cwd, file)));
  } catch {
    throw new ConfigError("AUDIT_SIGNING_KEY_FILE", expects, file);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new ConfigError("AUDIT_SIGNING_KEY_FILE", expects, file);
  return key;
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
    consoleClientId: str(env, "OIDC_CONSOLE_CLIENT_ID"),
  };
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

function securityConfig(env: Env, cwd: string): SecurityConfig {
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
    auditSigningKey: auditSigningKey(env, cwd),
  };
}

/** Hourly, off the top of the hour (CloudTrail delivers within about 5 minutes; LookupEvents is 2 TPS). */
const DEFAULT_INGEST_CRON = "17 * * * *";

/** INVOCATIONS_* settings; each still read under its former AUDIT_* name while the new one is unset. */
function invocationsConfig(env: Env, deprecated: RenamedVariable[]): InvocationsConfig {
  const name = (current: string, former: string) => renamed(env, current, former, deprecated);
  const bucketRegion = name("INVOCATIONS_TRAIL_BUCKET_REGION", "AUDIT_TRAIL_BUCKET_REGION");
  return {
    lookbackDays: int(env, name("INVOCATIONS_LOOKBACK_DAYS", "AUDIT_LOOKBACK_DAYS"), 7, 1, 90),
    overlapMinutes: int(env, name("INVOCATIONS_OVERLAP_MINUTES", "AUDIT_OVERLAP_MINUTES"), 20, 0, 1440),
    ingestCron: cron(env, name("INVOCATIONS_INGEST_CRON", "AUDIT_INGEST_CRON"), DEFAULT_INGEST_CRON),
    trailBucket: str(env, name("INVOCATIONS_TRAIL_BUCKET", "AUDIT_TRAIL_BUCKET")),
    trailBucketAccount: accountId(env, name("INVOCATIONS_TRAIL_BUCKET_ACCOUNT", "AUDIT_TRAIL_BUCKET_ACCOUNT")),
    trailBucketRegion: str(env, bucketRegion) ? region(env, bucketRegion, "") : undefined,
    trailKeyPrefix: str(env, "INVOCATIONS_TRAIL_KEY_PREFIX")?.replace(/^\/+|\/+$/g, "") || undefined,
  };
}

/** Reads and validates configuration. Throws ConfigError on the first bad variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const deprecatedVariables: RenamedVariable[] = [];
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
    consoleDir: path.resolve(cwd, str(env, "CONSOLE_DIR") ?? path.join(packageRoot(), "dist", "web")),
    metrics: metricsConfig(env, str(env, "HOST") ?? "127.0.0.1"),
    tracing: tracingConfig(env),
    aws: awsConfig(env),
    sandbox: {
      url: url(env, "SANDBOX_URL", ["http:", "https:"]),
      scenarioFile: str(env, "SANDBOX_SCENARIO")
        ? path.resolve(cwd, str(env, "SANDBOX_SCENARIO") as string)
        : undefined,
      port: int(env, "SANDBOX_PORT", 0, 0, 65535),
      stateDir: path.resolve(
        cwd,
        str(env, "SANDBOX_STATE_DIR") ??
          path.join(path.dirname(str(env, "EMBEDDED_PG_DIR") ?? ".data/postgres"), "sandbox"),
      ),
    },
    inventory: {
      regions: regionList(env, "INVENTORY_REGIONS"),
      syncCron: cron(env, "SYNC_CRON", "0 */6 * * *"),
      syncConcurrency: int(env, "SYNC_CONCURRENCY", 32, 1, 2000),
      syncJobTimeoutSeconds: int(env, "SYNC_JOB_TIMEOUT_SECONDS", 900, 5, 86_400),
    },
    reconcile: { legacyWindowDays: int(env, "RECONCILE_LEGACY_WINDOW_DAYS", 90, 0, 3650) },
    jobMaintenanceIntervalSeconds: int(env, "JOB_MAINTENANCE_INTERVAL_SECONDS", 30, 1, 3600),
    invocations: invocationsConfig(env, deprecatedVariables),
    requests: {
      pendingTtlHours: int(env, "REQUESTS_PENDING_TTL_HOURS", 168, 1, 8760),
      maxDurationHours: int(env, "REQUESTS_MAX_DURATION_HOURS", 2160, 1, 87_600),
      sweepCron: cron(env, "REQUESTS_SWEEP_CRON", "*/5 * * * *"),
      verifyPollSeconds: int(env, "REQUESTS_VERIFY_POLL_SECONDS", 2, 1, 600),
      verifyMaxPolls: int(env, "REQUESTS_VERIFY_MAX_POLLS", 450, 1, 100_000),
      waiting: {
        reminderHours: int(env, "REQUESTS_WAITING_REMINDER_HOURS", 24, 1, 8760),
        timeoutHours: int(env, "REQUESTS_WAITING_TIMEOUT_HOURS", 168, 0, 87_600),
      },
      webhookRetryLimit: int(env, "WEBHOOK_RETRY_LIMIT", 8, 0, 100),
      webhookRetryDelaySeconds: int(env, "WEBHOOK_RETRY_DELAY_SECONDS", 10, 1, 86_400),
      webhookTimeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000),
      webhookAllowedDestinations: destinationAllowList(env, "WEBHOOK_ALLOWED_DESTINATIONS"),
    },
    remediation: {
      recoverCron: cron(env, "REMEDIATION_RECOVER_CRON", "* * * * *"),
      applyLeaseSeconds: int(env, "REMEDIATION_APPLY_LEASE_SECONDS", 60, 2, 3600),
    },
    apiClient: {
      url: url(env, "GOVERNOR_URL", ["http:", "https:"]) ?? "http://127.0.0.1:3000",
      apiKey: str(env, "GOVERNOR_API_KEY"),
    },
    security: securityConfig(env, cwd),
    reports: reportsConfig(env, cwd),
    deprecatedVariables,
  };
  return Object.freeze(config);
}
