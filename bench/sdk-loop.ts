// bench:sync's physical limit: a bare loop of AWS SDK calls against the same sandbox, in its own
// process, with no database, no queue and no service code around the calls. Clients come from
// src/aws (the client factory, rate limiter and signed-HTTP client the service uses, with the
// settings `awsClientSettings` derives from the same environment as the workers'), so the SDK
// configuration is the service's. The parent sends a plan (how many calls of each operation, and
// the account-Regions, models, OUs and policies to spread them over) and measures this process's
// CPU around the loop from /proc; the loop keeps `inFlight` calls outstanding.
import {
  GetAccountDataRetentionCommand,
  GetFoundationModelAvailabilityCommand,
  GetModelInvocationLoggingConfigurationCommand,
  GetUseCaseForModelAccessCommand,
  ListEnforcedGuardrailsConfigurationCommand,
  ListFoundationModelAgreementOffersCommand,
  ListFoundationModelsCommand,
  ListInferenceProfilesCommand,
} from "@aws-sdk/client-bedrock";
import { DescribeTrailsCommand, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { ListServiceSpecificCredentialsCommand } from "@aws-sdk/client-iam";
import { ListReceivedGrantsCommand, ListReceivedLicensesCommand } from "@aws-sdk/client-license-manager";
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { createClientFactory } from "../src/aws/clients.js";
import { createCredentialBroker } from "../src/aws/credentials.js";
import { createRateLimiter } from "../src/aws/rate-limiter.js";
import { createSignedHttp } from "../src/aws/signed-http.js";
import { loadConfig } from "../src/config.js";
import { awsClientSettings } from "../src/main/aws.js";

export interface SdkLoopPlan {
  type: "plan";
  /** Calls to make per `service:Operation`, as the sandbox counted them for the service's run. */
  calls: Record<string, number>;
  /** Every account of the organization (AssumeRole targets). */
  accounts: string[];
  /** Account-Regions the service synced, with the models each lists. */
  accountRegions: Array<{ account: string; region: string; models: string[] }>;
  /** Parents (root and OUs) and policies of the organization, for the Organizations reads. */
  parents: string[];
  policies: Array<{ id: string; type: string }>;
  inFlight: number;
}

export interface SdkLoopResult {
  type: "result";
  calls: number;
  errors: Record<string, number>;
  /** Operations of the run the loop has no call for (left out). */
  skipped: string[];
  wallSeconds: number;
}

type Creds = AwsCredentialIdentityProvider;

if (!process.send) {
  process.stderr.write("usage: a child process with IPC (bench/sync.ts forks it)\n");
  process.exit(2);
}
// The workers' environment (endpoint, rates, role chain), as the parent passes it.
const config = loadConfig(process.env);
const { clients: base, roleChain } = awsClientSettings(config);
const settings = { ...base, endpoint: config.sandbox.url };
const limiter = createRateLimiter();
// The service's settings except the cache size: the loop spreads its calls over every
// account-Region at once, and builds each account-Region's clients once, not once per call.
const clients = createClientFactory({ ...settings, maxClients: 1_000_000 }, limiter);
const signedHttp = createSignedHttp(settings, limiter);
const home = settings.homeRegion;
const baseCreds: AwsCredentialIdentity = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
};
const baseProvider: Creds = async () => baseCreds;
// Only for the role ARN's format: the loop makes its AssumeRole calls itself, counted.
const roleArn = createCredentialBroker({
  base: baseProvider,
  stsWith: () => {
    throw new Error("unused");
  },
  config: roleChain,
}).memberRoleArn;

async function runPlan(plan: SdkLoopPlan): Promise<SdkLoopResult> {
  const errors: Record<string, number> = {};
  let made = 0;
  const started = performance.now();
  const sts = clients.get("sts", { account: "base", region: home }, baseProvider);
  const org = clients.get("organizations", { account: "hub", region: home }, baseProvider);

  // AssumeRole first: the member credentials every other call signs with.
  const member = new Map<string, Creds>();
  const assume = plan.calls["sts:AssumeRole"] ?? 0;
  await pool(assume, plan.inFlight, async (i) => {
    const account = plan.accounts[i % plan.accounts.length] as string;
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn(account),
        RoleSessionName: roleChain.sessionName,
        DurationSeconds: roleChain.durationSeconds,
        ...(roleChain.externalId ? { ExternalId: roleChain.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (c?.AccessKeyId && c.SecretAccessKey) {
      const creds = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
      member.set(account, async () => creds);
    }
  });
  const targets = plan.accountRegions.filter((t) => member.has(t.account));
  const at = <T>(list: T[], i: number): T => {
    if (list.length === 0) throw new Error("nothing to spread the calls over");
    return list[i % list.length] as T;
  };
  const scoped = (i: number) => {
    const t = at(targets, i);
    return { scope: { account: t.account, region: t.region }, creds: member.get(t.account) as Creds };
  };
  const bedrock = (i: number) => {
    const { scope, creds } = scoped(i);
    return clients.get("bedrock", scope, creds);
  };
  // Consecutive calls go to different account-Regions (as the service's many jobs in flight do),
  // so no one account-Region's quota paces the loop.
  const withModels = targets.filter((t) => t.models.length > 0);
  const modelScoped = (i: number) => {
    const t = at(withModels, i);
    return {
      client: clients.get("bedrock", { account: t.account, region: t.region }, member.get(t.account) as Creds),
      modelId: at(t.models, Math.floor(i / withModels.length)),
    };
  };
  const mantle = (i: number) => {
    const { scope, creds } = scoped(i);
    return signedHttp.client("bedrock-mantle", scope, creds, `bedrock-mantle.${scope.region}.api.aws`);
  };
  const usEast = (i: number) => {
    const t = at(targets, i);
    return clients.get("license-manager", { account: t.account, region: "us-east-1" }, member.get(t.account) as Creds);
  };
  const operations: Record<string, (i: number) => Promise<unknown>> = {
    "organizations:ListRoots": () => org.send(new ListRootsCommand({})),
    "organizations:DescribeOrganization": () => org.send(new DescribeOrganizationCommand({})),
    "organizations:ListOrganizationalUnitsForParent": (i) =>
      org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: at(plan.parents, i) })),
    "organizations:ListAccountsForParent": (i) =>
      org.send(new ListAccountsForParentCommand({ ParentId: at(plan.parents, i) })),
    "organizations:ListPolicies": (i) =>
      org.send(new ListPoliciesCommand({ Filter: i % 2 === 0 ? "SERVICE_CONTROL_POLICY" : "BEDROCK_POLICY" })),
    "organizations:DescribePolicy": (i) => org.send(new DescribePolicyCommand({ PolicyId: at(plan.policies, i).id })),
    "organizations:ListTargetsForPolicy": (i) =>
      org.send(new ListTargetsForPolicyCommand({ PolicyId: at(plan.policies, i).id })),
    "bedrock:ListFoundationModels": (i) => bedrock(i).send(new ListFoundationModelsCommand({})),
    "bedrock:GetFoundationModelAvailability": (i) => {
      const { client, modelId } = modelScoped(i);
      return client.send(new GetFoundationModelAvailabilityCommand({ modelId }));
    },
    "bedrock:ListFoundationModelAgreementOffers": (i) => {
      const { client, modelId } = modelScoped(i);
      return client.send(new ListFoundationModelAgreementOffersCommand({ modelId }));
    },
    "bedrock:ListInferenceProfiles": (i) =>
      bedrock(i).send(new ListInferenceProfilesCommand({ typeEquals: "SYSTEM_DEFINED" })),
    "bedrock:GetModelInvocationLoggingConfiguration": (i) =>
      bedrock(i).send(new GetModelInvocationLoggingConfigurationCommand({})),
    "bedrock:ListEnforcedGuardrailsConfiguration": (i) =>
      bedrock(i).send(new ListEnforcedGuardrailsConfigurationCommand({})),
    "bedrock:GetUseCaseForModelAccess": (i) => bedrock(i).send(new GetUseCaseForModelAccessCommand({})),
    "bedrock:GetAccountDataRetention": (i) => bedrock(i).send(new GetAccountDataRetentionCommand({})),
    "bedrock-mantle:ListModels": (i) => mantle(i).json({ operation: "ListModels", method: "GET", path: "/v1/models" }),
    "bedrock-mantle:ListProjects": (i) =>
      mantle(i).json({
        operation: "ListProjects",
        method: "GET",
        path: "/v1/organization/projects",
        query: { limit: "100" },
      }),
    "license-manager:ListReceivedGrants": (i) => usEast(i).send(new ListReceivedGrantsCommand({ MaxResults: 100 })),
    "license-manager:ListReceivedLicenses": (i) => usEast(i).send(new ListReceivedLicensesCommand({ MaxResults: 100 })),
    "cloudtrail:LookupEvents": (i) => {
      const { scope, creds } = scoped(i);
      return clients.get("cloudtrail", scope, creds).send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "bedrock.amazonaws.com" }],
          StartTime: new Date(Date.now() - 3_600_000),
          EndTime: new Date(),
          MaxResults: 50,
        }),
      );
    },
    "cloudtrail:DescribeTrails": (i) => {
      const { scope, creds } = scoped(i);
      return clients.get("cloudtrail", scope, creds).send(new DescribeTrailsCommand({ includeShadowTrails: true }));
    },
    "iam:ListServiceSpecificCredentials": (i) => {
      const { scope, creds } = scoped(i);
      return clients
        .get("iam", { account: scope.account, region: home }, creds)
        .send(new ListServiceSpecificCredentialsCommand({ ServiceName: "bedrock.amazonaws.com", AllUsers: true }));
    },
  };
  // Every other operation, interleaved (call k of the whole sequence picks the operation whose
  // share is furthest behind), so the mix in flight is the run's mix.
  // An operation the loop cannot make (none yet known) is reported, not guessed: CPU per call is
  // the loop's own measure over the calls it made.
  const skipped = Object.keys(plan.calls).filter((op) => op !== "sts:AssumeRole" && !operations[op]);
  const rest = Object.entries(plan.calls).filter(([op]) => op !== "sts:AssumeRole" && operations[op]);
  const total = rest.reduce((a, [, n]) => a + n, 0);
  const done = new Map(rest.map(([op]) => [op, 0]));
  const next = (): [string, number] => {
    let best = rest[0]?.[0] as string;
    let share = Number.POSITIVE_INFINITY;
    for (const [op, n] of rest) {
      const d = done.get(op) as number;
      if (d < n && d / n < share) {
        share = d / n;
        best = op;
      }
    }
    const i = done.get(best) as number;
    done.set(best, i + 1);
    return [best, i];
  };
  await pool(total, plan.inFlight, async () => {
    const [op, i] = next();
    await (operations[op] as (i: number) => Promise<unknown>)(i);
  });
  return { type: "result", calls: made, errors, skipped, wallSeconds: (performance.now() - started) / 1000 };

  /** Runs `n` tasks with at most `width` outstanding; failures are counted by error name. */
  async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
    let started = 0;
    const lane = async () => {
      while (started < n) {
        const i = started++;
        made++;
        try {
          await task(i);
        } catch (err) {
          const name = (err as { name?: string }).name ?? "Error";
          errors[name] = (errors[name] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
  }
}

process.send({ type: "ready" });
process.on("message", (msg: SdkLoopPlan) => {
  if (msg.type !== "plan") return;
  void runPlan(msg).then(
    (result) => process.send?.(result),
    (err: unknown) => {
      process.stderr.write(`sdk loop failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
});
process.once("SIGTERM", () => {
  clients.destroy();
  process.exit(0);
});
