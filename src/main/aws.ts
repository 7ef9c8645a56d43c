// Where AWS is: a real organization (AWS_TARGET=aws), a sandbox running elsewhere (SANDBOX_URL),
// or the installation's shared sandbox (shared-sandbox.ts): joined, or started in this process with the
// saved, demo or SANDBOX_SCENARIO organization.
import type { Logger } from "pino";
import { type AwsAccess, createAwsAccess } from "../aws/aws-access.js";
import type { ClientSettings } from "../aws/clients.js";
import type { RoleChainConfig } from "../aws/credentials.js";
import { DEFAULT_RATES } from "../aws/rate-limiter.js";
import type { Config } from "../config.js";
import type { AwsCallMetrics } from "../lib/metrics.js";
import { joinOrStartSandbox } from "./shared-sandbox.js";

export interface AwsEnvironment {
  target: "aws" | "sandbox";
  homeRegion: string;
  /** Set when the service talks to the sandbox instead of AWS. */
  sandbox?: { url: string; inProcess: boolean; scenario: string; managementAccountId?: string };
  /** The in-process sandbox's Regions: the inventory's default scope when none is configured. */
  sandboxRegions?: string[];
}

export interface ResolvedAws {
  access: AwsAccess;
  environment: AwsEnvironment;
  close(): Promise<void>;
}

/**
 * The service's AWS client settings and role chain from its configuration (endpoint aside): one
 * source for the service and for whatever must call AWS exactly as it does (bench:sync's bare loop).
 */
export function awsClientSettings(
  config: Readonly<Config>,
  metrics?: AwsCallMetrics,
): { clients: ClientSettings; roleChain: RoleChainConfig } {
  const aws = config.aws;
  return {
    clients: {
      homeRegion: aws.homeRegion,
      maxAttempts: aws.maxAttempts,
      requestTimeoutMs: aws.requestTimeoutMs,
      rates: new Map([...DEFAULT_RATES, ...aws.rateLimits]),
      ...(metrics ? { metrics } : {}),
    },
    roleChain: {
      ...(aws.hubRoleArn ? { hubRoleArn: aws.hubRoleArn } : {}),
      memberRoleName: aws.memberRoleName,
      ...(aws.externalId ? { externalId: aws.externalId } : {}),
      sessionName: aws.roleSessionName,
      durationSeconds: aws.roleDurationSeconds,
      refreshMarginMs: 5 * 60_000,
    },
  };
}

/** `databaseUrl`: the installation's database when set by DATABASE_URL (its sandbox is its own). */
export async function resolveAws(
  config: Readonly<Config>,
  log: Logger,
  databaseUrl?: string,
  opts: { host: boolean } = { host: false },
  metrics?: AwsCallMetrics,
): Promise<ResolvedAws> {
  const aws = config.aws;
  const { clients: clientSettings, roleChain } = awsClientSettings(config, metrics);

  if (aws.target === "aws") {
    const access = createAwsAccess({ target: "aws", clients: clientSettings, roleChain });
    log.info(
      { homeRegion: aws.homeRegion, memberRole: aws.memberRoleName, hubRole: aws.hubRoleArn ?? null },
      "using AWS",
    );
    return { access, environment: { target: "aws", homeRegion: aws.homeRegion }, close: async () => access.close() };
  }

  if (config.sandbox.url) {
    // Base credentials come from the standard chain: `bedrock-governor sandbox` prints them.
    const access = createAwsAccess({
      target: "sandbox",
      clients: { ...clientSettings, endpoint: config.sandbox.url },
      roleChain,
    });
    log.warn({ sandboxUrl: config.sandbox.url }, "SANDBOX MODE: talking to the AWS sandbox at SANDBOX_URL, not to AWS");
    return {
      access,
      environment: {
        target: "sandbox",
        homeRegion: aws.homeRegion,
        sandbox: { url: config.sandbox.url, inProcess: false, scenario: "external" },
      },
      close: async () => access.close(),
    };
  }

  const shared = await joinOrStartSandbox(config, databaseUrl, log, opts);
  const sandbox = shared.endpoint;
  const access = createAwsAccess({
    target: "sandbox",
    clients: { ...clientSettings, endpoint: sandbox.url },
    roleChain: {
      ...roleChain,
      memberRoleName: sandbox.memberRoleName,
      ...(sandbox.externalId ? { externalId: sandbox.externalId } : {}),
    },
    baseCredentials: sandbox.baseCredentials,
  });
  const name = sandbox.scenario === "demo" ? "demo" : "scenario file";
  log.warn(
    { sandboxUrl: sandbox.url, scenario: name, managementAccountId: sandbox.managementAccountId, owned: shared.owned },
    "SANDBOX MODE: no AWS organization configured (AWS_TARGET=sandbox); serving a simulated organization",
  );
  return {
    access,
    environment: {
      target: "sandbox",
      homeRegion: aws.homeRegion,
      sandbox: {
        url: sandbox.url,
        inProcess: shared.owned,
        scenario: name,
        managementAccountId: sandbox.managementAccountId,
      },
      sandboxRegions: sandbox.regions,
    },
    async close() {
      access.close();
      await shared.close();
    },
  };
}
