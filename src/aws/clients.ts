// The only place that builds AWS SDK clients. One client per (account, Region, service), reused;
// endpoint override for the sandbox; adaptive retries with jitter; per-(account, Region, API)
// client-side quotas applied to every attempt; request timeouts.
import { BedrockClient } from "@aws-sdk/client-bedrock";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import { LicenseManagerClient } from "@aws-sdk/client-license-manager";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentityProvider, FinalizeRequestMiddleware, Pluggable } from "@smithy/types";
import type { AwsCallMetrics } from "../lib/metrics.js";
import { awsSpanAttributes, inSpan, SpanKind } from "../lib/tracing.js";
import { isThrottlingError } from "./errors.js";
import { type RateLimiter, type RateTable, rateFor } from "./rate-limiter.js";

export interface ClientSettings {
  /** Organizations, IAM and STS for the hub are called here. */
  homeRegion: string;
  /** Sandbox (or any) endpoint override; undefined for real AWS endpoints. */
  endpoint?: string;
  maxAttempts: number;
  requestTimeoutMs: number;
  rates: RateTable;
  /** Clients kept for reuse; the least recently used beyond this are dropped (default 64). */
  maxClients?: number;
  /** Where each attempt's outcome is counted (per service and operation); unset: not counted. */
  metrics?: AwsCallMetrics;
}

type ServiceName =
  | "organizations"
  | "sts"
  | "bedrock"
  | "bedrock-runtime"
  | "cloudtrail"
  | "s3"
  | "iam"
  | "license-manager";

interface Constructors {
  organizations: typeof OrganizationsClient;
  sts: typeof STSClient;
  bedrock: typeof BedrockClient;
  "bedrock-runtime": typeof BedrockRuntimeClient;
  cloudtrail: typeof CloudTrailClient;
  s3: typeof S3Client;
  iam: typeof IAMClient;
  "license-manager": typeof LicenseManagerClient;
}

const CONSTRUCTORS: Constructors = {
  organizations: OrganizationsClient,
  sts: STSClient,
  bedrock: BedrockClient,
  "bedrock-runtime": BedrockRuntimeClient,
  cloudtrail: CloudTrailClient,
  s3: S3Client,
  iam: IAMClient,
  "license-manager": LicenseManagerClient,
};

type ClientOf<S extends ServiceName> = InstanceType<Constructors[S]>;

/**
 * What a middleware derives from a command name (`GetFoundationModelAvailabilityCommand`), computed
 * once per client and command rather than on every attempt: the middlewares run on every AWS call.
 */
function perCommand<T>(make: (operation: string) => T): (commandName: unknown) => T {
  const known = new Map<unknown, T>();
  return (commandName) => {
    let v = known.get(commandName);
    if (v === undefined) {
      v = make(String(commandName ?? "Unknown").replace(/Command$/, ""));
      known.set(commandName, v);
    }
    return v;
  };
}

/** Waits for the (account, Region, API) quota before each attempt, retries included. */
function quotaMiddleware(
  limiter: RateLimiter,
  rates: RateTable,
  service: string,
  scope: string,
): Pluggable<object, object> {
  const lane = perCommand((operation) => ({
    key: `${scope}:${service}:${operation}`,
    limit: { tps: rateFor(rates, service, operation) },
  }));
  return {
    applyToStack(stack) {
      stack.addRelativeTo(
        ((next, context) => async (args) => {
          const { key, limit } = lane(context.commandName);
          await limiter.acquire(key, limit);
          return next(args);
        }) satisfies FinalizeRequestMiddleware<object, object>,
        { relation: "after", toMiddleware: "retryMiddleware", name: "bedrockGovernorQuota", override: true },
      );
    },
  };
}

/**
 * Counts every attempt (retries included) by outcome, throttles apart, and traces each attempt as a
 * client span (a child of whatever job or request made the call). Sits inside the retry loop.
 */
function metricsMiddleware(
  metrics: AwsCallMetrics | undefined,
  service: string,
  scope: { account: string; region: string },
): Pluggable<object, object> {
  const span = perCommand((operation) => ({
    operation,
    name: `${service}.${operation}`,
    opts: { kind: SpanKind.CLIENT, attributes: awsSpanAttributes(service, operation, scope) },
  }));
  return {
    applyToStack(stack) {
      stack.addRelativeTo(
        ((next, context) => async (args) => {
          const { operation, name, opts } = span(context.commandName);
          return inSpan(name, opts, async () => {
            try {
              const out = await next(args);
              metrics?.awsCall(service, operation, { throttled: false });
              return out;
            } catch (err) {
              const name = (err as { name?: unknown }).name;
              metrics?.awsCall(service, operation, {
                error: typeof name === "string" && name ? name : "Error",
                throttled: isThrottlingError(err),
              });
              throw err;
            }
          });
        }) satisfies FinalizeRequestMiddleware<object, object>,
        { relation: "after", toMiddleware: "retryMiddleware", name: "bedrockGovernorMetrics", override: true },
      );
    },
  };
}

export interface ClientFactory {
  /** A client for `service` in `account`/`region`, signing with `credentials`; one per key, reused. */
  get<S extends ServiceName>(
    service: S,
    scope: { account: string; region: string },
    credentials: AwsCredentialIdentityProvider,
  ): ClientOf<S>;
  destroy(): void;
}

export function createClientFactory(settings: ClientSettings, limiter: RateLimiter): ClientFactory {
  const clients = new Map<string, { destroy(): void }>();
  // One connection pool for all clients: sockets are reused across accounts and Regions.
  const requestHandler = new NodeHttpHandler({
    requestTimeout: settings.requestTimeoutMs,
    connectionTimeout: Math.min(settings.requestTimeoutMs, 5_000),
  });

  return {
    get(service, scope, credentials) {
      const key = `${service}|${scope.account}|${scope.region}`;
      let client = clients.get(key) as ClientOf<typeof service> | undefined;
      if (client) {
        // Most recently used last: Map order is the LRU order.
        clients.delete(key);
        clients.set(key, client);
        return client;
      }
      const Ctor = CONSTRUCTORS[service] as unknown as new (cfg: object) => ClientOf<typeof service>;
      client = new Ctor({
        region: scope.region,
        credentials,
        maxAttempts: settings.maxAttempts,
        retryMode: "adaptive",
        requestHandler,
        ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
        ...(service === "s3" ? { forcePathStyle: settings.endpoint !== undefined } : {}),
        // With AWS_BEARER_TOKEN_BEDROCK in the environment, the Bedrock clients would send that API
        // key instead of signing with the assumed member role: every per-account call would land
        // in the key owner's account. The service acts only as the roles it assumes.
        ...(service === "bedrock" || service === "bedrock-runtime" ? { authSchemePreference: ["sigv4"] } : {}),
      });
      const stack = (client as unknown as { middlewareStack: { use(p: Pluggable<object, object>): void } })
        .middlewareStack;
      stack.use(quotaMiddleware(limiter, settings.rates, service, `${scope.account}:${scope.region}`));
      stack.use(metricsMiddleware(settings.metrics, service, scope));
      clients.set(key, client);
      // A scan of thousands of account-Regions must not keep thousands of clients alive. Dropped
      // clients are not destroyed: the connection pool they share stays open for the others.
      const max = settings.maxClients ?? 64;
      while (clients.size > max) {
        const oldest = clients.keys().next().value as string;
        clients.delete(oldest);
      }
      return client;
    },
    destroy() {
      for (const c of clients.values()) c.destroy();
      clients.clear();
      requestHandler.destroy();
    },
  };
}
