// src/aws against the sandbox over real HTTP with the real SDK clients: no SDK mocking.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsAccess, createAwsAccess } from "../../src/aws/aws-access.js";
import { AwsGateError } from "../../src/aws/errors.js";
import { DEFAULT_RATES } from "../../src/aws/rate-limiter.js";
import { createMetrics, type Metrics } from "../../src/lib/metrics.js";
import { generateScenario, parseScenario, type Sandbox, startSandbox } from "../../src/sandbox/index.js";

const MGMT = "100000000001";
const PROD = "200000000002";
const NOROLE = "300000000003";
const WRONGEXT = "400000000004";
const THROTTLED = "500000000005";
const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const DEEPSEEK = "deepseek.r1-v1:0";

const scenario = parseScenario({
  name: "aws-layer-test",
  organization: { id: "o-testorg0001", managementAccountId: MGMT },
  defaultRegions: ["us-east-1", "eu-west-1"],
  memberRoleName: "GovernorRole",
  externalId: "ext-123456",
  ous: [{ id: "ou-ab12-prod0001", name: "Prod" }],
  accounts: [
    { id: MGMT, name: "management", anthropicUseCase: true },
    {
      id: PROD,
      name: "prod",
      parent: "ou-ab12-prod0001",
      invocationLogging: { "us-east-1": { s3Bucket: "logs" } },
      principals: [
        {
          arn: `arn:aws:iam::${PROD}:role/chat-app`,
          policies: [
            {
              name: "InvokeNova",
              document: {
                Version: "2012-10-17",
                Statement: [
                  {
                    Effect: "Allow",
                    Action: ["bedrock:InvokeModel", "bedrock:Converse"],
                    Resource: "arn:aws:bedrock:*::foundation-model/amazon.nova-*",
                  },
                ],
              },
            },
          ],
        },
      ],
    },
    { id: NOROLE, name: "no-role", memberRole: "missing" },
    { id: WRONGEXT, name: "wrong-ext", memberRole: "external-id-mismatch" },
    { id: THROTTLED, name: "throttled" },
  ],
  policies: [
    {
      id: "p-denydeepseek1",
      name: "DenyDeepSeek",
      content: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Deny", Action: "bedrock:*", Resource: "arn:aws:bedrock:*::foundation-model/deepseek.*" },
        ],
      },
      targets: ["root"],
    },
  ],
  models: [
    { id: SONNET, provider: "Anthropic", inferenceTypes: ["INFERENCE_PROFILE"] },
    { id: NOVA, provider: "Amazon" },
    { id: DEEPSEEK, provider: "DeepSeek" },
  ],
  inferenceProfiles: [
    { id: `us.${SONNET}`, model: SONNET, sourceRegions: ["us-east-1"], destinationRegions: ["us-east-1", "us-west-2"] },
  ],
  cloudtrail: {
    bucket: "org-trail-logs",
    events: [{ account: PROD, region: "us-east-1", modelId: NOVA, minutesAgo: 30, count: 3 }],
  },
  faults: {
    defaultQuotas: true,
    quotas: [
      { service: "bedrock", operation: "GetFoundationModelAvailability", account: PROD, region: "us-east-1", tps: 5 },
      { service: "bedrock", operation: "ListFoundationModels", account: THROTTLED, region: "us-east-1", tps: 2 },
    ],
  },
});

let sandbox: Sandbox;
let aws: AwsAccess;

function access(
  overrides: { rates?: Map<string, number>; externalId?: string; maxAttempts?: number; metrics?: Metrics } = {},
): AwsAccess {
  return createAwsAccess({
    target: "sandbox",
    clients: {
      homeRegion: "us-east-1",
      endpoint: sandbox.url,
      maxAttempts: overrides.maxAttempts ?? 5,
      requestTimeoutMs: 5_000,
      rates: overrides.rates ?? DEFAULT_RATES,
      ...(overrides.metrics ? { metrics: overrides.metrics } : {}),
    },
    roleChain: {
      memberRoleName: "GovernorRole",
      externalId: overrides.externalId ?? "ext-123456",
      sessionName: "bedrock-governor",
      durationSeconds: 3600,
      refreshMarginMs: 60_000,
    },
    baseCredentials: sandbox.baseCredentials,
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ scenario, port: 0 });
  aws = access({ rates: new Map([...DEFAULT_RATES, ["bedrock:GetFoundationModelAvailability", 5]]) });
});
afterAll(async () => {
  aws?.close();
  await sandbox?.close();
});

describe("credentials", () => {
  it("assumes the member role and lists the account's models", async () => {
    const me = await aws.account(PROD).sts().getCallerIdentity();
    expect(me.account).toBe(PROD);
    expect(me.arn).toContain(":assumed-role/GovernorRole/bedrock-governor");
    const models = await aws.account(PROD).bedrock("us-east-1").listFoundationModels();
    expect(models.map((m) => m.modelId).sort()).toEqual([NOVA, DEEPSEEK, SONNET].sort());
  });

  it("a Bedrock API key in AWS_BEARER_TOKEN_BEDROCK never replaces the member role's SigV4 credentials", async () => {
    // Both Bedrock clients would send `Authorization: Bearer <key>` instead of signing with the
    // assumed role (aws-facts: "If AWS_BEARER_TOKEN_BEDROCK is set…"): every per-account read would
    // land in the key owner's account. The sandbox rejects this unknown key, so only SigV4 passes.
    const before = process.env.AWS_BEARER_TOKEN_BEDROCK;
    process.env.AWS_BEARER_TOKEN_BEDROCK = "ABSKc29tZW9uZS1lbHNlcy1rZXktMDAwMDAwMDA=";
    const fresh = access();
    try {
      const models = await fresh.account(PROD).bedrock("us-east-1").listFoundationModels();
      expect(models.map((m) => m.modelId)).toContain(NOVA);
      const answer = await fresh.account(PROD).runtime("us-east-1").converse(NOVA, "ok", 1);
      expect(answer).toBeDefined();
    } finally {
      fresh.close();
      if (before === undefined) delete process.env.AWS_BEARER_TOKEN_BEDROCK;
      else process.env.AWS_BEARER_TOKEN_BEDROCK = before;
    }
  });

  it("concurrent callers for one account share a single AssumeRole, and reuse it after", async () => {
    const fresh = access();
    sandbox.counters.reset();
    await Promise.all(Array.from({ length: 10 }, () => fresh.account(MGMT).sts().getCallerIdentity()));
    await fresh.account(MGMT).bedrock("eu-west-1").listFoundationModels();
    expect(sandbox.counters.count({ service: "sts", operation: "AssumeRole" })).toBe(1);
    fresh.close();
  });

  it("a missing member role is a typed error naming the credentials gate", async () => {
    const err = await aws
      .account(NOROLE)
      .bedrock("us-east-1")
      .listFoundationModels()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsGateError);
    expect(err).toMatchObject({
      gate: "credentials",
      awsCode: "AccessDenied",
      context: { operation: "AssumeRole", account: NOROLE },
    });
  });

  it("a role that requires an ExternalId refuses a wrong one the same way, and accepts the right one", async () => {
    const wrong = access({ externalId: "not-the-right-one" });
    const err = await wrong
      .account(WRONGEXT)
      .sts()
      .getCallerIdentity()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ gate: "credentials", awsCode: "AccessDenied" });
    wrong.close();
    expect((await aws.account(WRONGEXT).sts().getCallerIdentity()).account).toBe(WRONGEXT);
  });
});

describe("quotas and retries", () => {
  it("50 GetFoundationModelAvailability calls at a 5 TPS quota all succeed without exceeding it", async () => {
    sandbox.counters.reset();
    const filter = {
      service: "bedrock",
      operation: "GetFoundationModelAvailability",
      account: PROD,
      region: "us-east-1",
    };
    const bedrock = aws.account(PROD).bedrock("us-east-1");
    const results = await Promise.all(Array.from({ length: 50 }, () => bedrock.getFoundationModelAvailability(NOVA)));
    expect(results).toHaveLength(50);
    expect(results.every((r) => r.modelId === NOVA)).toBe(true);
    expect(sandbox.counters.count(filter)).toBe(50);
    expect(sandbox.counters.throttled(filter)).toBe(0);
    expect(sandbox.counters.maxPerSecond(filter)).toBeLessThanOrEqual(5);
  });

  it("throttling beyond the client's own quota is absorbed by adaptive retries, and counted per attempt", async () => {
    const metrics = createMetrics();
    const eager = access({ rates: new Map([["*", 50]]), maxAttempts: 8, metrics });
    sandbox.counters.reset();
    const filter = { service: "bedrock", operation: "ListFoundationModels", account: THROTTLED };
    const bedrock = eager.account(THROTTLED).bedrock("us-east-1");
    const results = await Promise.all(Array.from({ length: 6 }, () => bedrock.listFoundationModels()));
    expect(results.every((r) => r.length === 3)).toBe(true);
    expect(sandbox.counters.throttled(filter)).toBeGreaterThan(0);
    // Every attempt the sandbox throttled is a throttle in the metrics; the 6 calls all ended ok.
    const text = await metrics.render();
    const value = (line: RegExp) => Number(line.exec(text)?.[1]);
    expect(
      value(/^bedrock_governor_aws_throttles_total\{service="bedrock",operation="ListFoundationModels"\} (\d+)$/m),
    ).toBe(sandbox.counters.throttled(filter));
    expect(
      value(
        /^bedrock_governor_aws_calls_total\{service="bedrock",operation="ListFoundationModels",outcome="ok"\} (\d+)$/m,
      ),
    ).toBe(6);
    eager.close();
  });
});

describe("operations", () => {
  it("Organizations: tree, policies, targets; mutations change state; the SCP size limit is a typed error", async () => {
    const org = aws.organizations();
    expect((await org.describeOrganization())?.Id).toBe("o-testorg0001");
    const [root] = await org.listRoots();
    expect(root?.Id).toMatch(/^r-/);
    const ous = await org.listOrganizationalUnitsForParent(root?.Id as string);
    expect(ous.map((o) => o.Name)).toEqual(["Prod"]);
    expect((await org.listAccountsForParent(ous[0]?.Id as string)).map((a) => a.Id)).toEqual([PROD]);
    expect((await org.listAccounts()).length).toBe(5);
    expect((await org.listParents(PROD))[0]?.Id).toBe(ous[0]?.Id);
    const scps = await org.listPolicies("SERVICE_CONTROL_POLICY");
    expect(scps.map((p) => p.Name)).toContain("DenyDeepSeek");
    const deny = await org.describePolicy("p-denydeepseek1");
    expect(JSON.parse(deny?.Content ?? "{}").Statement[0].Effect).toBe("Deny");
    expect((await org.listPoliciesForTarget(root?.Id as string, "SERVICE_CONTROL_POLICY")).map((p) => p.Id)).toContain(
      "p-denydeepseek1",
    );
    expect((await org.listTargetsForPolicy("p-denydeepseek1")).map((t) => t.TargetId)).toEqual([root?.Id]);

    const content = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "bedrock:*", Resource: "*" }],
    });
    const created = await org.createPolicy({
      name: "DenyAllBedrock",
      description: "test",
      content,
      type: "SERVICE_CONTROL_POLICY",
    });
    const id = created?.PolicySummary?.Id as string;
    await org.attachPolicy(id, PROD);
    expect((await org.listPoliciesForTarget(PROD, "SERVICE_CONTROL_POLICY")).map((p) => p.Id)).toContain(id);
    await org.updatePolicy({ policyId: id, description: "updated" });
    expect((await org.describePolicy(id))?.PolicySummary?.Description).toBe("updated");
    await org.detachPolicy(id, PROD);
    expect((await org.listPoliciesForTarget(PROD, "SERVICE_CONTROL_POLICY")).map((p) => p.Id)).not.toContain(id);

    const tooBig = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "bedrock:*", Resource: "x".repeat(5200) }],
    });
    const err = await org
      .createPolicy({ name: "Big", description: "", content: tooBig, type: "SERVICE_CONTROL_POLICY" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ gate: "validation", awsCode: "ConstraintViolationException" });
    const missing = await org.describePolicy("p-doesnotexist1").catch((e: unknown) => e);
    expect(missing).toMatchObject({ gate: "not_found", awsCode: "PolicyNotFoundException" });
  });

  it("Bedrock control plane: availability, profiles, logging, guardrails, use case, agreements", async () => {
    const b = aws.account(PROD).bedrock("us-east-1");
    const avail = await b.getFoundationModelAvailability(SONNET);
    expect(avail.regionAvailability).toBe("AVAILABLE");
    const profiles = await b.listInferenceProfiles();
    expect(profiles.map((p) => p.inferenceProfileId)).toContain(`us.${SONNET}`);
    expect((await b.getModelInvocationLoggingConfiguration())?.s3Config?.bucketName).toBe("logs");
    expect(await aws.account(PROD).bedrock("eu-west-1").getModelInvocationLoggingConfiguration()).toBeUndefined();
    expect(Array.isArray(await b.listEnforcedGuardrailsConfiguration())).toBe(true);
    await b.putUseCaseForModelAccess({ companyName: "Example", useCase: "support assistant" });
    expect(await b.getUseCaseForModelAccess()).toMatchObject({ companyName: "Example" });
    const offers = await b.listFoundationModelAgreementOffers(SONNET);
    if (offers.length > 0) {
      expect(await b.createFoundationModelAgreement(SONNET, offers[0]?.offerToken as string)).toBe(SONNET);
      await b.deleteFoundationModelAgreement(SONNET);
    }
    const unknown = await b.getFoundationModelAvailability("nope.model-v1:0").catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(AwsGateError);
  });

  it("bedrock-runtime: Converse works, and an SCP deny is a typed org_policy error", async () => {
    const rt = aws.account(PROD).runtime("us-east-1");
    const ok = await rt.converse(NOVA, "hello");
    expect(ok.reply.length).toBeGreaterThan(0);
    const denied = await rt.converse(DEEPSEEK, "hello").catch((e: unknown) => e);
    expect(denied).toMatchObject({ gate: "org_policy", awsCode: "AccessDeniedException" });
  });

  it("CloudTrail LookupEvents and the organization trail in S3 agree", async () => {
    const now = new Date();
    const page = await aws
      .account(PROD)
      .cloudtrail("us-east-1")
      .lookupEvents({
        eventSource: "bedrock.amazonaws.com",
        startTime: new Date(now.getTime() - 24 * 3600_000),
        endTime: new Date(now.getTime() + 3600_000),
      });
    const ids = page.events.map((e) => e.EventId);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const s3 = aws.account(MGMT).s3();
    const list = await s3.listObjects({
      bucket: "org-trail-logs",
      prefix: `AWSLogs/o-testorg0001/${PROD}/CloudTrail/us-east-1/`,
    });
    expect(list.objects.length).toBeGreaterThan(0);
    const { gunzipSync } = await import("node:zlib");
    const records: Array<{ eventID: string }> = [];
    for (const o of list.objects)
      records.push(...JSON.parse(gunzipSync(await s3.getObject("org-trail-logs", o.key)).toString()).Records);
    for (const id of ids) expect(records.map((r) => r.eventID)).toContain(id);
    const missing = await s3.getObject("org-trail-logs", "AWSLogs/none.json.gz").catch((e: unknown) => e);
    expect(missing).toMatchObject({ gate: "not_found" });
  });

  it("IAM SimulatePrincipalPolicy answers from scenario policies; an unknown role is not_found", async () => {
    const iam = aws.account(PROD).iam();
    const results = await iam.simulatePrincipalPolicy({
      principalArn: `arn:aws:iam::${PROD}:role/chat-app`,
      actions: ["bedrock:InvokeModel"],
      resources: [
        `arn:aws:bedrock:us-east-1::foundation-model/${NOVA}`,
        `arn:aws:bedrock:us-east-1::foundation-model/${SONNET}`,
      ],
    });
    const decisions = Object.fromEntries(results.map((r) => [r.EvalResourceName, r.EvalDecision]));
    expect(decisions[`arn:aws:bedrock:us-east-1::foundation-model/${NOVA}`]).toBe("allowed");
    expect(decisions[`arn:aws:bedrock:us-east-1::foundation-model/${SONNET}`]).toBe("implicitDeny");
    const unknown = await iam
      .simulatePrincipalPolicy({
        principalArn: `arn:aws:iam::${PROD}:role/nobody`,
        actions: ["bedrock:InvokeModel"],
        resources: ["*"],
      })
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ gate: "not_found", awsCode: "NoSuchEntityException" });
  });
});

describe("large organizations", () => {
  it("a generated 1,000-account organization is served, and the paginator returns all of it", async () => {
    const big = await startSandbox({
      scenario: generateScenario({ accounts: 1000, regions: 4, models: 100, seed: 7 }),
      port: 0,
    });
    try {
      const bigAws = createAwsAccess({
        target: "sandbox",
        clients: {
          homeRegion: "us-east-1",
          endpoint: big.url,
          maxAttempts: 5,
          requestTimeoutMs: 5_000,
          rates: new Map([["*", 1000]]),
        },
        roleChain: {
          memberRoleName: "BedrockGovernorAccess",
          sessionName: "bg",
          durationSeconds: 3600,
          refreshMarginMs: 0,
        },
        baseCredentials: big.baseCredentials,
      });
      const accounts = await bigAws.organizations().listAccounts();
      expect(accounts).toHaveLength(1000);
      expect(new Set(accounts.map((a) => a.Id)).size).toBe(1000);
      expect(big.counters.count({ service: "organizations", operation: "ListAccounts" })).toBeGreaterThanOrEqual(50);
      bigAws.close();
    } finally {
      await big.close();
    }
  });
});

describe("Organizations writes AWS asks to retry later", () => {
  it("ConcurrentModificationException is retried with backoff until the write lands, and given up after six attempts", async () => {
    const busy = await startSandbox({
      scenario: parseScenario({
        ...scenario,
        faults: {
          busy: [
            { service: "organizations", operation: "AttachPolicy", error: "ConcurrentModificationException", times: 3 },
            {
              service: "organizations",
              operation: "DetachPolicy",
              error: "ConcurrentModificationException",
              times: 50,
            },
          ],
        },
      }),
      port: 0,
    });
    const busyAws = createAwsAccess({
      target: "sandbox",
      clients: {
        homeRegion: "us-east-1",
        endpoint: busy.url,
        maxAttempts: 2,
        requestTimeoutMs: 5_000,
        rates: DEFAULT_RATES,
      },
      roleChain: {
        memberRoleName: "GovernorRole",
        externalId: "ext-123456",
        sessionName: "bg",
        durationSeconds: 3600,
        refreshMarginMs: 0,
      },
      baseCredentials: busy.baseCredentials,
    });
    try {
      const org = busyAws.organizations();
      await org.attachPolicy("p-denydeepseek1", PROD);
      expect((await org.listPoliciesForTarget(PROD, "SERVICE_CONTROL_POLICY")).map((p) => p.Id)).toContain(
        "p-denydeepseek1",
      );
      expect(busy.counters.count({ service: "organizations", operation: "AttachPolicy" })).toBe(4);
      busy.counters.reset();
      // A sixth SCP on one target: AWS's reason is MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED.
      let limit: unknown;
      for (let i = 0; i < 6 && limit === undefined; i++) {
        const p = await org.createPolicy({
          name: `Extra${i}`,
          description: "",
          content: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }],
          }),
          type: "SERVICE_CONTROL_POLICY",
        });
        limit = await org.attachPolicy(p?.PolicySummary?.Id as string, PROD).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
      expect(limit).toMatchObject({ awsCode: "ConstraintViolationException" });
      expect((limit as { cause?: { Reason?: string } }).cause?.Reason).toBe(
        "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
      );
      const stuck = await org.detachPolicy("p-denydeepseek1", PROD).catch((e: unknown) => e);
      expect(stuck).toMatchObject({ awsCode: "ConcurrentModificationException" });
      expect(busy.counters.count({ service: "organizations", operation: "DetachPolicy" })).toBe(6);
    } finally {
      busyAws.close();
      await busy.close();
    }
  }, 60_000);
});
