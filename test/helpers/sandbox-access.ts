// The service's AWS layer pointed at a sandbox (or any endpoint that answers like one), with the
// settings the tests use: two attempts, 5 s per request, the default client-side quotas.
import { type AwsAccess, createAwsAccess } from "../../src/aws/aws-access.js";
import { DEFAULT_RATES } from "../../src/aws/rate-limiter.js";

export interface SandboxEndpoint {
  url: string;
  memberRoleName: string;
  externalId?: string | undefined;
  baseCredentials: { accessKeyId: string; secretAccessKey: string };
}

export function sandboxAwsAccess(
  endpoint: SandboxEndpoint,
  opts: { sessionName?: string; requestTimeoutMs?: number } = {},
): AwsAccess {
  return createAwsAccess({
    target: "sandbox",
    clients: {
      homeRegion: "us-east-1",
      endpoint: endpoint.url,
      maxAttempts: 2,
      requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
      rates: DEFAULT_RATES,
    },
    roleChain: {
      memberRoleName: endpoint.memberRoleName,
      ...(endpoint.externalId ? { externalId: endpoint.externalId } : {}),
      sessionName: opts.sessionName ?? "bedrock-governor",
      durationSeconds: 3600,
      refreshMarginMs: 60_000,
    },
    baseCredentials: endpoint.baseCredentials,
  });
}
