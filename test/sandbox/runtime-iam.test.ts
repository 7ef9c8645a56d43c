import { AccessDeniedException, ConverseCommand, ValidationException } from "@aws-sdk/client-bedrock-runtime";
import { SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { AttachPolicyCommand, CreatePolicyCommand } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeMember, clients, DEV, errorOf, MGMT, PROD, smallScenario } from "./helpers.js";

let sandbox: Sandbox;
const messages = [{ role: "user" as const, content: [{ text: "Hello there" }] }];
const converse = (c: ReturnType<typeof clients>, modelId: string) =>
  c.runtime.send(new ConverseCommand({ modelId, messages }));

beforeAll(async () => {
  const scenario = smallScenario({
    policies: [
      {
        id: "p-denydeepseek",
        name: "DenyDeepSeek",
        content: {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              Action: "bedrock:*",
              Resource: [
                "arn:aws:bedrock:*::foundation-model/deepseek.*",
                "arn:aws:bedrock:*:*:inference-profile/*deepseek.*",
              ],
            },
          ],
        },
        targets: ["root"],
      },
    ],
  });
  const mgmt = scenario.accounts.find((a) => a.id === MGMT);
  if (mgmt) mgmt.anthropicUseCase = false;
  const prod = scenario.accounts.find((a) => a.id === PROD);
  if (prod) {
    prod.anthropicUseCase = true;
    prod.modelAccess = [{ model: "cohere.command-r-plus-v1:0", agreement: "NOT_AVAILABLE" }];
    prod.principals = [
      {
        arn: `arn:aws:iam::${PROD}:role/OrganizationAccountAccessRole`,
        policies: [
          {
            name: "NovaOnly",
            document: {
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: "bedrock:InvokeModel",
                  Resource: "arn:aws:bedrock:*::foundation-model/amazon.*",
                },
                { Effect: "Allow", Action: "sts:*", Resource: "*" },
              ],
            },
          },
        ],
      },
    ];
  }
  sandbox = await startSandbox({ scenario });
});
afterAll(async () => sandbox.close());

describe("Converse", () => {
  it("answers with a canned reply and usage, and logs a CloudTrail event", async () => {
    const dev = clients(sandbox, await assumeMember(sandbox, DEV));
    const out = await converse(dev, "amazon.nova-pro-v1:0");
    expect(out.output?.message?.content?.[0]?.text).toContain("Nova Pro");
    expect(out.usage?.totalTokens).toBe((out.usage?.inputTokens ?? 0) + (out.usage?.outputTokens ?? 0));
    const last = sandbox.state.trail.events.at(-1);
    expect(last?.record).toMatchObject({
      eventSource: "bedrock.amazonaws.com",
      eventName: "Converse",
      awsRegion: "us-east-1",
      recipientAccountId: DEV,
      requestParameters: { modelId: "amazon.nova-pro-v1:0" },
      userIdentity: {
        type: "AssumedRole",
        sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${DEV}:role/OrganizationAccountAccessRole` } },
      },
    });
    expect(last?.record.requestID).toBe(out.$metadata.requestId);
  });

  it("rejects models not offered in the Region and profile-only models invoked directly", async () => {
    const dev = clients(sandbox, await assumeMember(sandbox, DEV));
    const unknown = await errorOf(() => converse(dev, "acme.unknown-v1:0"));
    expect(unknown).toBeInstanceOf(ValidationException);
    expect(unknown.message).toBe("The provided model identifier is invalid.");
    const profileOnly = await errorOf(() => converse(dev, "anthropic.claude-sonnet-4-5-20250929-v1:0"));
    expect(profileOnly.message).toContain("inference profile");
    const eu = await errorOf(() => converse(dev, "eu.amazon.nova-pro-v1:0"));
    expect(eu).toBeInstanceOf(ValidationException);
  });

  it("denies a model an SCP denies, directly and through an inference profile", async () => {
    const dev = clients(sandbox, await assumeMember(sandbox, DEV));
    const e = await errorOf(() => converse(dev, "us.deepseek.r1-v1:0"));
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e.message).toMatch(
      /not authorized to perform: bedrock:InvokeModel on resource: .*deepseek.* with an explicit deny in a service control policy/,
    );
    expect(e.$metadata?.httpStatusCode).toBe(403);
    expect(sandbox.state.trail.events.at(-1)?.record).toMatchObject({ errorCode: "AccessDenied" });
    // The management account is not subject to SCPs; its block is the missing Anthropic form instead.
    const mgmt = clients(sandbox);
    const ok = await converse(mgmt, "us.deepseek.r1-v1:0");
    expect(ok.stopReason).toBe("end_turn");
  });

  it("applies SCPs created through Organizations immediately", async () => {
    const { organizations } = clients(sandbox);
    const created = await organizations.send(
      new CreatePolicyCommand({
        Name: "DenyNovaInDev",
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              Action: "bedrock:InvokeModel",
              Resource: "arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
            },
          ],
        }),
      }),
    );
    const dev = clients(sandbox, await assumeMember(sandbox, DEV));
    await converse(dev, "amazon.nova-lite-v1:0");
    await organizations.send(
      new AttachPolicyCommand({ PolicyId: created.Policy?.PolicySummary?.Id, TargetId: "ou-ab12-aaaaaaaa" }),
    );
    expect((await errorOf(() => converse(dev, "amazon.nova-lite-v1:0"))).name).toBe("AccessDeniedException");
    // PROD sits below the OU too.
    const prod = clients(sandbox, await assumeMember(sandbox, PROD));
    expect((await errorOf(() => converse(prod, "amazon.nova-lite-v1:0"))).message).toContain("service control policy");
  });

  it("gates Anthropic on the use-case form and identity policies; a never-used Marketplace model subscribes on first call", async () => {
    const dev = clients(sandbox, await assumeMember(sandbox, DEV));
    const useCase = await errorOf(() => converse(dev, "anthropic.claude-3-haiku-20240307-v1:0"));
    expect(useCase.message).toContain("use case details have not been submitted");
    const prod = clients(sandbox, await assumeMember(sandbox, PROD));
    // PROD's role may only invoke Amazon models.
    const identity = await errorOf(() => converse(prod, "anthropic.claude-3-haiku-20240307-v1:0"));
    expect(identity.message).toContain("because no identity-based policy allows the bedrock:InvokeModel action");
    expect((await converse(prod, "amazon.nova-pro-v1:0")).stopReason).toBe("end_turn");
    // An agreement that is NOT_AVAILABLE means "never used": since 2026 the first invocation starts
    // the subscription in the background [AWS "Request access to models"], so DEV's call succeeds.
    sandbox.state.accounts
      .get(DEV)
      ?.modelAccess.push({ model: "cohere.command-r-plus-v1:0", agreement: "NOT_AVAILABLE" });
    expect((await converse(dev, "cohere.command-r-plus-v1:0")).stopReason).toBe("end_turn");
    expect(sandbox.state.agreements.get(`${DEV}|us-east-1|cohere.command-r-plus-v1:0`)?.status).toBe("AVAILABLE");
    const prodCohere = await errorOf(() => converse(prod, "cohere.command-r-plus-v1:0"));
    expect(prodCohere.message).toContain("identity-based policy");
  });

  it("checks global profiles against the Region-less model ARN with aws:RequestedRegion unspecified", async () => {
    const { organizations } = clients(sandbox);
    const content = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Action: "bedrock:*",
          Resource: "*",
          Condition: { StringNotEquals: { "aws:RequestedRegion": ["us-east-1", "us-west-2"] } },
        },
      ],
    });
    const p = await organizations.send(
      new CreatePolicyCommand({
        Name: "RegionLock",
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: content,
      }),
    );
    await organizations.send(
      new AttachPolicyCommand({ PolicyId: p.Policy?.PolicySummary?.Id, TargetId: "ou-ab12-bbbbbbbb" }),
    );
    sandbox.state.accounts.get(PROD)?.principals.clear();
    const prod = clients(sandbox, await assumeMember(sandbox, PROD));
    expect((await converse(prod, "us.amazon.nova-pro-v1:0")).stopReason).toBe("end_turn");
    const global = await errorOf(() => converse(prod, "global.anthropic.claude-sonnet-4-5-20250929-v1:0"));
    expect(global.message).toContain("arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0");
  });
});

describe("IAM SimulatePrincipalPolicy", () => {
  it("evaluates scenario identity policies with the SCPs of the account", async () => {
    const prodCreds = await assumeMember(sandbox, PROD);
    sandbox.state.accounts.get(PROD)?.principals.set(`arn:aws:iam::${PROD}:role/App`, [
      {
        id: "AppPolicy",
        document: {
          Statement: [
            { Effect: "Allow", Action: "bedrock:*", Resource: "*" },
            { Effect: "Deny", Action: "bedrock:InvokeModel", Resource: "arn:aws:bedrock:*::foundation-model/meta.*" },
          ],
        },
      },
    ]);
    const { iam } = clients(sandbox, prodCreds);
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${PROD}:role/App`,
        ActionNames: ["bedrock:InvokeModel"],
        ResourceArns: [
          "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
          "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-70b-instruct-v1:0",
          "arn:aws:bedrock:us-east-1::foundation-model/deepseek.r1-v1:0",
        ],
        ContextEntries: [
          { ContextKeyName: "aws:RequestedRegion", ContextKeyValues: ["us-east-1"], ContextKeyType: "string" },
        ],
      }),
    );
    const decisions = out.EvaluationResults?.map((r) => [
      r.EvalResourceName?.split("/")[1],
      r.EvalDecision,
      r.OrganizationsDecisionDetail?.AllowedByOrganizations,
    ]);
    expect(decisions).toEqual([
      ["amazon.nova-pro-v1:0", "allowed", true],
      ["meta.llama3-1-70b-instruct-v1:0", "explicitDeny", true],
      ["deepseek.r1-v1:0", "explicitDeny", false],
    ]);
    expect(out.EvaluationResults?.[1]?.MatchedStatements?.[0]).toMatchObject({
      SourcePolicyId: "AppPolicy",
      SourcePolicyType: "role",
    });
    const foreign = await errorOf(() =>
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${DEV}:role/App`,
          ActionNames: ["bedrock:InvokeModel"],
        }),
      ),
    );
    expect(foreign.name).toBe("NoSuchEntityException");
  });
});
