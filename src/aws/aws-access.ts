// Entry point of the AWS layer: typed APIs per service, with the credential chain, client reuse,
// retries and quotas behind them. Built once in the composition root.
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { bedrockApi } from "./api/bedrock.js";
import { bedrockMantleApi } from "./api/bedrock-mantle.js";
import { cloudTrailApi } from "./api/cloudtrail.js";
import { iamApi } from "./api/iam.js";
import { licenseManagerApi } from "./api/license-manager.js";
import { organizationsApi } from "./api/organizations.js";
import { runtimeApi } from "./api/runtime.js";
import { s3Api } from "./api/s3.js";
import { stsApi } from "./api/sts.js";
import { type ClientSettings, createClientFactory } from "./clients.js";
import { type CredentialBroker, createCredentialBroker, type RoleChainConfig } from "./credentials.js";
import { createRateLimiter } from "./rate-limiter.js";
import { createSignedHttp } from "./signed-http.js";

/** Managed Entitlements for Bedrock live in License Manager in us-east-1 only. */
const LICENSE_MANAGER_REGION = "us-east-1";

export type AwsTarget = "aws" | "sandbox";

export interface AwsAccessSettings {
  /** `sandbox`: the project's AWS emulator (endpoint set); `aws`: real AWS endpoints. */
  target: AwsTarget;
  clients: ClientSettings;
  roleChain: RoleChainConfig;
  /** Static base credentials (the sandbox's); unset: the standard AWS provider chain. */
  baseCredentials?: AwsCredentialIdentity;
}

export function createAwsAccess(settings: AwsAccessSettings) {
  const limiter = createRateLimiter();
  const clients = createClientFactory(settings.clients, limiter);
  const signedHttp = createSignedHttp(settings.clients, limiter);
  const home = settings.clients.homeRegion;
  const fixed = settings.baseCredentials;
  const base: AwsCredentialIdentityProvider = fixed ? async () => fixed : fromNodeProviderChain();
  const credentials: CredentialBroker = createCredentialBroker({
    base,
    stsWith: (creds, label) => clients.get("sts", { account: label, region: home }, creds),
    config: settings.roleChain,
  });

  return {
    target: settings.target,
    credentials,
    /** Organizations with the hub's credentials (management or delegated-admin account). */
    organizations: () =>
      organizationsApi(clients.get("organizations", { account: "hub", region: home }, credentials.hub), home),
    /** GetCallerIdentity with the base credentials, and with the hub's (assuming the hub role if one is set). */
    identity: {
      base: () => stsApi(clients.get("sts", { account: "base", region: home }, base), "base", home),
      hub: () => stsApi(clients.get("sts", { account: "hub", region: home }, credentials.hub), "hub", home),
      /** IAM with the hub's credentials: preflight simulates the hub's own permissions. */
      hubIam: () => iamApi(clients.get("iam", { account: "hub", region: home }, credentials.hub), "hub"),
    },
    /** S3 with the hub's credentials: scheduled reports are delivered to buckets the service is granted. */
    hubS3: (region = home) => s3Api(clients.get("s3", { account: "hub", region }, credentials.hub), "hub", region),
    /**
     * APIs inside one member account, through its member role. Each API object is built once per
     * returned value: a job that reads one account-Region asks for its Bedrock API several times
     * and must not build (or look up) a client each time.
     */
    account(accountId: string) {
      const creds = credentials.forAccount(accountId);
      const scope = (region: string) => ({ account: accountId, region });
      const built = new Map<string, unknown>();
      const once = <T>(key: string, make: () => T): T => {
        let api = built.get(key) as T | undefined;
        if (api === undefined) {
          api = make();
          built.set(key, api);
        }
        return api;
      };
      return {
        sts: (region = home) =>
          once(`sts:${region}`, () => stsApi(clients.get("sts", scope(region), creds), accountId, region)),
        bedrock: (region: string) =>
          once(`bedrock:${region}`, () => bedrockApi(clients.get("bedrock", scope(region), creds), accountId, region)),
        runtime: (region: string) =>
          once(`runtime:${region}`, () =>
            runtimeApi(clients.get("bedrock-runtime", scope(region), creds), accountId, region),
          ),
        cloudtrail: (region: string) =>
          once(`cloudtrail:${region}`, () =>
            cloudTrailApi(clients.get("cloudtrail", scope(region), creds), accountId, region),
          ),
        s3: (region = home) =>
          once(`s3:${region}`, () => s3Api(clients.get("s3", scope(region), creds), accountId, region)),
        iam: () => once("iam", () => iamApi(clients.get("iam", scope(home), creds), accountId)),
        licenseManager: () =>
          once("license-manager", () =>
            licenseManagerApi(
              clients.get("license-manager", scope(LICENSE_MANAGER_REGION), creds),
              accountId,
              LICENSE_MANAGER_REGION,
            ),
          ),
        mantle: (region: string) =>
          once(`mantle:${region}`, () =>
            bedrockMantleApi(
              signedHttp.client("bedrock-mantle", scope(region), creds, `bedrock-mantle.${region}.api.aws`),
              accountId,
              region,
            ),
          ),
      };
    },
    close: () => clients.destroy(),
  };
}

export type AwsAccess = ReturnType<typeof createAwsAccess>;
export type AccountApis = ReturnType<AwsAccess["account"]>;
