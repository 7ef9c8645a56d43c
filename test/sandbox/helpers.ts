// Shared fixtures for the sandbox tests: a small organization and real SDK clients pointed at it.
import { BedrockClient } from "@aws-sdk/client-bedrock";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { Sandbox } from "../../src/sandbox/index.js";
import { parseScenario, type Scenario } from "../../src/sandbox/index.js";

export const MGMT = "111111111111";
export const DEV = "222222222222";
export const PROD = "333333333333";
export const NO_ROLE = "444444444444";
export const EXT = "555555555555";
export const SUSPENDED = "666666666666";

export function smallScenario(overrides: Partial<Scenario> = {}): Scenario {
  return parseScenario({
    organization: { id: "o-abcdef1234", managementAccountId: MGMT, rootId: "r-ab12" },
    defaultRegions: ["us-east-1", "us-west-2"],
    externalId: "governor-ext-1",
    ous: [
      { id: "ou-ab12-aaaaaaaa", name: "Workloads" },
      { id: "ou-ab12-bbbbbbbb", name: "Prod", parent: "ou-ab12-aaaaaaaa" },
    ],
    accounts: [
      { id: MGMT, name: "management", anthropicUseCase: true },
      { id: DEV, name: "dev", parent: "ou-ab12-aaaaaaaa" },
      { id: PROD, name: "prod", parent: "ou-ab12-bbbbbbbb" },
      { id: NO_ROLE, name: "no-role", memberRole: "missing" },
      { id: EXT, name: "ext", memberRole: "external-id-mismatch" },
      { id: SUSPENDED, name: "old", state: "SUSPENDED" },
    ],
    faults: { defaultQuotas: false },
    ...overrides,
  });
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function clients(sandbox: Sandbox, credentials: Credentials = sandbox.baseCredentials, region = "us-east-1") {
  const base = { region, endpoint: sandbox.url, credentials, maxAttempts: 1 };
  return {
    organizations: new OrganizationsClient(base),
    sts: new STSClient(base),
    bedrock: new BedrockClient(base),
    runtime: new BedrockRuntimeClient(base),
    cloudtrail: new CloudTrailClient(base),
    iam: new IAMClient(base),
    s3: new S3Client({ ...base, forcePathStyle: true }),
  };
}

export async function assumeMember(sandbox: Sandbox, account: string, region = "us-east-1"): Promise<Credentials> {
  const out = await clients(sandbox).sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
      RoleSessionName: "governor-test",
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error("AssumeRole returned no credentials");
  void region;
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** Runs `fn` and returns the error it throws (failing the test if it does not). */
export async function errorOf(
  fn: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}
