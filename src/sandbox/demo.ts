// The demo organization: a dozen accounts with the drift and failures a governor must surface.
import {
  builtin2026Models,
  builtin2026Profiles,
  builtinModels,
  builtinProfiles,
  denyDeepSeekDocument,
} from "./catalog.js";
import { parseScenario, type Scenario } from "./scenario.js";

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1"];

export const DEMO_ACCOUNTS = {
  management: "111122223333",
  security: "210987654321",
  logArchive: "222233334444",
  sandboxAlice: "333344445555",
  sandboxBob: "444455556666",
  prodPayments: "555566667777",
  prodSearch: "666677778888",
  prodSupport: "777788889999",
  nonprodPayments: "888899990000",
  nonprodSearch: "999900001111",
  nonprodData: "123412341234",
  legacyApp: "432143214321",
} as const;

/** A Bedrock policy that enforces one guardrail on every call in us-east-1, honoring input tags. */
const guardrailPolicy = (guardrailArn: string) => ({
  bedrock: {
    guardrail_inference: {
      "us-east-1": {
        config_1: { identifier: { "@@assign": guardrailArn }, input_tags: { "@@assign": "honor" } },
      },
    },
  },
});

export function demoScenario(): Scenario {
  const a = DEMO_ACCOUNTS;
  const ou = {
    sandbox: "ou-demo-sandbox1",
    workloads: "ou-demo-workload",
    prod: "ou-demo-prod0001",
    nonprod: "ou-demo-nonprod01",
    security: "ou-demo-security",
  };
  const logging = (acct: string) =>
    Object.fromEntries(
      REGIONS.map((r) => [r, { cloudWatchLogGroup: "/aws/bedrock/invocations", s3Bucket: `bedrock-logs-${acct}` }]),
    );
  const sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
  const haiku3 = "anthropic.claude-3-haiku-20240307-v1:0";
  const legacySonnet = "anthropic.claude-3-5-sonnet-20240620-v1:0";
  const scenario = {
    name: "demo",
    organization: { id: "o-demo12345a", managementAccountId: a.management, rootId: "r-demo" },
    defaultRegions: REGIONS,
    externalId: "bedrock-governor-demo",
    ous: [
      { id: ou.sandbox, name: "Sandbox" },
      { id: ou.workloads, name: "Workloads" },
      { id: ou.prod, name: "Prod", parent: ou.workloads },
      { id: ou.nonprod, name: "NonProd", parent: ou.workloads },
      { id: ou.security, name: "Security" },
    ],
    accounts: [
      // The management account never submitted the Anthropic form, so members do not inherit one:
      // every account submitted its own, except legacy-app (joined from an acquisition).
      { id: a.management, name: "management", email: "aws-root@example.com" },
      { id: a.security, name: "security-tooling", parent: ou.security, invocationLogging: logging(a.security) },
      { id: a.logArchive, name: "log-archive", parent: ou.security },
      // Created by hand years ago: nobody ever added the member role.
      { id: a.sandboxAlice, name: "sandbox-alice", parent: ou.sandbox, memberRole: "missing" },
      { id: a.sandboxBob, name: "sandbox-bob", parent: ou.sandbox, state: "SUSPENDED" },
      {
        id: a.prodPayments,
        name: "prod-payments",
        parent: ou.prod,
        invocationLogging: logging(a.prodPayments),
        enforcedGuardrails: {
          "*": [{ guardrailId: "gr-pii-block", guardrailVersion: "3", includedModels: ["anthropic.*"] }],
        },
        // Claude Sonnet 4.5 comes through the management account's private offer (an ACTIVE grant).
        managedEntitlementModels: [sonnet],
        principals: [
          {
            arn: `arn:aws:iam::${a.prodPayments}:role/PaymentsChatbot`,
            policies: [
              {
                name: "InvokeApprovedModels",
                document: {
                  Version: "2012-10-17",
                  Statement: [
                    {
                      Effect: "Allow",
                      Action: ["bedrock:InvokeModel", "bedrock:Converse"],
                      Resource: [
                        "arn:aws:bedrock:*::foundation-model/anthropic.*",
                        "arn:aws:bedrock:*:*:inference-profile/*",
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
      // Invocation logging was switched off during an incident and never switched back on.
      {
        id: a.prodSearch,
        name: "prod-search",
        parent: ou.prod,
        invocationLogging: { "us-east-1": null },
        // The search team's bedrock-mantle project keeps zero data retention whatever the account says.
        mantleProjects: [
          {
            id: "proj_searchprod01",
            name: "search-prod",
            region: "us-east-1",
            tags: { Team: "search", CostCenter: "4102" },
            dataRetention: "none",
          },
        ],
      },
      {
        id: a.prodSupport,
        name: "prod-support",
        parent: ou.prod,
        invocationLogging: logging(a.prodSupport),
        // A Marketplace subscription still in progress.
        modelAccess: [{ model: "cohere.command-r-plus-v1:0", region: "us-east-1", agreement: "PENDING" }],
      },
      { id: a.nonprodPayments, name: "nonprod-payments", parent: ou.nonprod, memberRole: "external-id-mismatch" },
      {
        id: a.nonprodSearch,
        name: "nonprod-search",
        parent: ou.nonprod,
        // The NonProd grant for Claude Sonnet 4.5 was never accepted here (PENDING_ACCEPT).
        managedEntitlementModels: [sonnet],
        claudePlatformWorkspaces: [{ id: "wrkspc_nonprodsearch01", region: "us-east-1", name: "search-experiments" }],
      },
      {
        id: a.nonprodData,
        name: "nonprod-data",
        parent: ou.nonprod,
        regions: ["us-east-1", "us-west-2"],
        modelAccess: [{ model: "cohere.command-r-plus-v1:0", agreement: "NOT_AVAILABLE" }],
        // Zero data retention in us-west-2: Claude Fable 5 (provider data sharing only) is refused there.
        dataRetention: { "us-west-2": "none" },
        // A long-term Bedrock API key for a notebook user (an IAM service-specific credential).
        apiKeys: [
          {
            user: "ml-notebook",
            key: "ABSKQmVkcm9ja0FQSUtleS1kZW1vLWF0LTEyMzQxMjM0MTIzNDpzYW5kYm94LWRlbW8ta2V5",
            createdAt: "2026-10-01T00:00:00Z",
            expiresAt: "2027-04-01T00:00:00Z",
          },
        ],
      },
      // Joined from an acquisition: its own organization never had the Anthropic form.
      // …and never set up a payment method for AWS Marketplace purchases.
      { id: a.legacyApp, name: "legacy-app", parent: "root", state: "ACTIVE", marketplace: { paymentMethod: false } },
    ],
    policies: [
      {
        id: "p-denydeepseek",
        name: "DenyDeepSeekModels",
        description: "DeepSeek models are not approved anywhere in the organization",
        content: denyDeepSeekDocument("DenyDeepSeek"),
        targets: ["root"],
      },
      {
        id: "p-prodallowlst",
        name: "ProdApprovedModelsOnly",
        description: "Prod may invoke only approved models (allow-list by Deny + NotResource)",
        content: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "OnlyApprovedModels",
              Effect: "Deny",
              Action: [
                "bedrock:InvokeModel",
                "bedrock:InvokeModelWithResponseStream",
                "bedrock:Converse",
                "bedrock:ConverseStream",
              ],
              NotResource: [
                `arn:aws:bedrock:*::foundation-model/${sonnet}`,
                `arn:aws:bedrock:::foundation-model/${sonnet}`,
                `arn:aws:bedrock:*::foundation-model/${haiku3}`,
                `arn:aws:bedrock:*::foundation-model/${legacySonnet}`,
                "arn:aws:bedrock:*::foundation-model/amazon.nova-*",
                "arn:aws:bedrock:*::foundation-model/amazon.titan-embed-*",
                "arn:aws:bedrock:*:*:inference-profile/*",
              ],
            },
          ],
        },
        targets: [ou.prod],
      },
      {
        id: "p-bedrockgrd1",
        name: "OrgGuardrails",
        description: "Organization-wide Bedrock guardrail enforcement (preview)",
        type: "BEDROCK_POLICY",
        content: guardrailPolicy(`arn:aws:bedrock:us-east-1:${a.management}:guardrail/grorg7x2k9qz:1`),
        targets: [ou.workloads],
      },
      {
        // A draft guardrail (no numeric version) makes every Bedrock call in the Sandbox OU fail.
        id: "p-bedrockdrft1",
        name: "SandboxGuardrailsDraft",
        description: "Draft guardrail enforcement for the sandbox accounts",
        type: "BEDROCK_POLICY",
        content: guardrailPolicy(`arn:aws:bedrock:us-east-1:${a.management}:guardrail/grsbxdraft01:DRAFT`),
        targets: [ou.sandbox],
      },
    ],
    // The 2026 models (Claude Fable 5, PROVISIONED-only variants) only outside us-east-1.
    models: [
      ...builtinModels().map((m) => ({ ...m, regions: REGIONS })),
      ...builtin2026Models().map((m) => ({ ...m, regions: ["us-west-2", "eu-west-1"] })),
    ],
    inferenceProfiles: [...builtinProfiles(REGIONS), ...builtin2026Profiles(["us-west-2", "eu-west-1"])],
    managedEntitlements: {
      grants: [
        { model: sonnet, principal: a.prodPayments, status: "ACTIVE" as const },
        {
          model: sonnet,
          principal: ou.nonprod,
          status: "PENDING_ACCEPT" as const,
          name: "Claude Sonnet 4.5 (NonProd)",
        },
      ],
    },
    cloudtrail: {
      bucket: "aws-cloudtrail-logs-demo-org-trail",
      bucketAccount: a.logArchive,
      events: [
        // Someone keeps trying DeepSeek in nonprod: denied by the org SCP.
        {
          minutesAgo: 95,
          account: a.nonprodSearch,
          region: "us-east-1",
          modelId: "us.deepseek.r1-v1:0",
          eventName: "Converse",
          principalArn: `arn:aws:iam::${a.nonprodSearch}:role/DataScienceRole`,
          errorCode: "AccessDenied",
          errorMessage: "with an explicit deny in a service control policy",
          count: 12,
        },
        // Before the SCP existed, DeepSeek was used successfully (an unapproved model in the audit).
        {
          minutesAgo: 60 * 24 * 5,
          account: a.nonprodSearch,
          region: "us-east-1",
          modelId: "us.deepseek.r1-v1:0",
          eventName: "InvokeModel",
          inferenceRegion: "us-west-2",
          count: 3,
        },
        // Prod support calls a model outside the prod allow-list.
        {
          minutesAgo: 30,
          account: a.prodSupport,
          region: "us-west-2",
          modelId: "mistral.mistral-large-2407-v1:0",
          errorCode: "AccessDenied",
          errorMessage: "with an explicit deny in a service control policy",
          count: 25,
        },
        // A LEGACY model still in production use.
        {
          minutesAgo: 240,
          account: a.prodSearch,
          region: "us-east-1",
          modelId: legacySonnet,
          eventName: "InvokeModel",
          count: 40,
        },
        // Global cross-Region inference and the OpenAI-compatible (mantle) endpoint.
        {
          minutesAgo: 15,
          account: a.prodPayments,
          region: "us-east-1",
          modelId: `global.${sonnet}`,
          eventName: "Converse",
          principalArn: `arn:aws:iam::${a.prodPayments}:role/PaymentsChatbot`,
          inferenceRegion: "eu-west-1",
          count: 20,
        },
        {
          minutesAgo: 10,
          account: a.nonprodPayments,
          region: "us-west-2",
          modelId: "openai.gpt-oss-120b-1:0",
          eventSource: "bedrock-mantle.amazonaws.com",
          eventName: "InvokeModel",
          count: 6,
        },
        // The acquired account without the Anthropic form: access-denied burst.
        {
          minutesAgo: 5,
          account: a.legacyApp,
          region: "us-east-1",
          modelId: haiku3,
          errorCode: "AccessDenied",
          errorMessage: "Model use case details have not been submitted for this account.",
          count: 15,
        },
      ],
      generate: {
        days: 7,
        eventsPerAccountRegionPerDay: 6,
        models: {
          [`us.${sonnet}`]: 4,
          [haiku3]: 3,
          "amazon.nova-pro-v1:0": 3,
          "amazon.nova-lite-v1:0": 2,
          "meta.llama3-1-70b-instruct-v1:0": 1,
          "amazon.titan-embed-text-v2:0": 2,
        },
        accounts: [
          a.management,
          a.security,
          a.prodPayments,
          a.prodSearch,
          a.prodSupport,
          a.nonprodSearch,
          a.nonprodData,
        ],
        seed: 7,
      },
    },
    faults: { seed: 7, latency: [{ distribution: "uniform", min: 2, max: 15 }] },
  };
  for (const acct of scenario.accounts) {
    if (acct.id !== a.management && acct.id !== a.legacyApp)
      (acct as { anthropicUseCase?: boolean }).anthropicUseCase = true;
  }
  return parseScenario(scenario, "demo scenario");
}
