// Amazon Bedrock API keys (long-term: IAM service-specific credentials; short-term: presigned URLs)
// on Bedrock Runtime, the Bedrock control plane and bedrock-mantle; bedrock-mantle itself (SigV4 and
// bearer, projects, its own IAM namespace); Claude Platform on AWS.
import { GetAccountDataRetentionCommand, ListFoundationModelsCommand } from "@aws-sdk/client-bedrock";
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { CreateServiceSpecificCredentialCommand, ListServiceSpecificCredentialsCommand } from "@aws-sdk/client-iam";
import { AttachPolicyCommand, CreatePolicyCommand, DetachPolicyCommand } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeRole, bearerClients, bearerFetch, shortTermKey, signedFetch } from "./access-helpers.js";
import {
  APP,
  accessScenario,
  allowAll,
  app,
  GPT,
  GPT_MANTLE,
  HAIKU_MANTLE,
  type Json,
  messages,
  NOVA,
  OU,
  ROLE,
} from "./access-scenario.js";
import { type Credentials, clients, errorOf } from "./helpers.js";

const BOT = `arn:aws:iam::${APP}:user/bot`;
const LIMITED = `arn:aws:iam::${APP}:user/limited`;
let sandbox: Sandbox;
let creds: Credentials;
const deny = (statement: Json) => ({ Version: "2012-10-17", Statement: [statement] });

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: accessScenario((s) => {
      app(s).principals.push(
        { arn: BOT, policies: [allowAll()] },
        {
          arn: LIMITED,
          policies: [
            { name: "InvokeOnly", document: deny({ Effect: "Allow", Action: "bedrock:InvokeModel", Resource: "*" }) },
          ],
        },
      );
      app(s).apiKeys = [{ user: "limited", key: "ABSKbGltaXRlZC11c2VyLWtleS0xMjM0NTY3ODkw" }];
      s.policies = [
        {
          id: "p-nolongterm01",
          name: "DenyLongTermKeysOnMantle",
          content: deny({
            Effect: "Deny",
            Action: "bedrock-mantle:CallWithBearerToken",
            Resource: "*",
            Condition: { StringEquals: { "bedrock-mantle:BearerTokenType": "LONG_TERM" } },
          }),
          targets: [OU],
        },
      ];
    }),
  });
  creds = await assumeRole(sandbox, ROLE);
});
afterAll(async () => sandbox.close());

const converse = (c: ReturnType<typeof bearerClients>, modelId = NOVA) =>
  c.runtime.send(new ConverseCommand({ modelId, messages }));

describe("long-term Bedrock API keys (IAM service-specific credentials)", () => {
  it("are created for users of the account, at most two per user for Bedrock, and listed", async () => {
    const { iam } = clients(sandbox, creds);
    const create = () =>
      iam.send(
        new CreateServiceSpecificCredentialCommand({
          UserName: "bot",
          ServiceName: "bedrock.amazonaws.com",
          CredentialAgeDays: 30,
        }),
      );
    const first = (await create()).ServiceSpecificCredential;
    expect(first).toMatchObject({ UserName: "bot", ServiceName: "bedrock.amazonaws.com", Status: "Active" });
    expect(first?.ServiceCredentialSecret).toMatch(/^ABSK/);
    expect(first?.ExpirationDate?.getTime()).toBe((first?.CreateDate?.getTime() ?? 0) + 30 * 86_400_000);
    await create();
    expect((await errorOf(create)).name).toBe("LimitExceededException");
    const listed = await iam.send(
      new ListServiceSpecificCredentialsCommand({ UserName: "bot", ServiceName: "bedrock.amazonaws.com" }),
    );
    expect(listed.ServiceSpecificCredentials).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain("ABSK");
    const nobody = await errorOf(() =>
      iam.send(new CreateServiceSpecificCredentialCommand({ UserName: "ghost", ServiceName: "bedrock.amazonaws.com" })),
    );
    expect(nobody.name).toBe("NoSuchEntityException");
  });

  it("authenticate Converse and the control plane as the key's user, authorized as bedrock:CallWithBearerToken", async () => {
    const { iam } = clients(sandbox, creds);
    const all = await iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true }));
    expect(all.ServiceSpecificCredentials?.map((c) => c.UserName)).toContain("limited");
    const created = await iam.send(
      new CreateServiceSpecificCredentialCommand({ UserName: "bot", ServiceName: "codecommit.amazonaws.com" }),
    );
    expect(created.ServiceSpecificCredential?.ServiceName).toBe("codecommit.amazonaws.com");
    // The "limited" user may invoke but not use a bearer token (AmazonBedrockLimitedAccess would allow it).
    const limited = bearerClients(sandbox, "ABSKbGltaXRlZC11c2VyLWtleS0xMjM0NTY3ODkw");
    const refused = await errorOf(() => converse(limited));
    expect(refused.name).toBe("AccessDeniedException");
    expect(refused.message).toContain(`User: ${LIMITED} is not authorized to perform: bedrock:CallWithBearerToken`);
    const unknown = await errorOf(() => converse(bearerClients(sandbox, "ABSKdW5rbm93bi1rZXktMTIzNDU2Nzg5MDEy")));
    expect(unknown.message).toBe("Authentication failed: Please make sure your API Key is valid.");
    const malformed = await errorOf(() => converse(bearerClients(sandbox, "sk-not-a-bedrock-key")));
    expect(malformed.message).toBe("Invalid API Key format: Must start with pre-defined prefix");
  });

  it("an SCP can deny creating Bedrock keys by service name", async () => {
    const { organizations } = clients(sandbox);
    const p = await organizations.send(
      new CreatePolicyCommand({
        Name: "DenyBedrockKeys",
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify(
          deny({
            Effect: "Deny",
            Action: "iam:CreateServiceSpecificCredential",
            Resource: "*",
            Condition: { StringEquals: { "iam:ServiceSpecificCredentialServiceName": "bedrock.amazonaws.com" } },
          }),
        ),
      }),
    );
    await organizations.send(new AttachPolicyCommand({ PolicyId: p.Policy?.PolicySummary?.Id, TargetId: APP }));
    const member = clients(sandbox, creds).iam;
    const e = await errorOf(() =>
      member.send(
        new CreateServiceSpecificCredentialCommand({ UserName: "limited", ServiceName: "bedrock.amazonaws.com" }),
      ),
    );
    expect(e.name).toBe("AccessDenied");
    expect(e.message).toContain("explicit deny in a service control policy");
    await organizations.send(new DetachPolicyCommand({ PolicyId: p.Policy?.PolicySummary?.Id, TargetId: APP }));
  });
});

describe("short-term Bedrock API keys (presigned URLs)", () => {
  it("carry the session's identity and Region, and expire with their URL", async () => {
    const key = await shortTermKey(creds, "us-west-2");
    const out = await converse(bearerClients(sandbox, key, "us-west-2"));
    expect(out.stopReason).toBe("end_turn");
    const listed = await bearerClients(sandbox, key, "us-west-2").bedrock.send(new ListFoundationModelsCommand({}));
    expect(listed.modelSummaries?.length).toBeGreaterThan(0);
    const old = await shortTermKey(creds, "us-west-2", 900, new Date(Date.now() - 3_600_000));
    expect((await errorOf(() => converse(bearerClients(sandbox, old, "us-west-2")))).message).toBe(
      "Authentication failed: Please make sure your API Key is valid.",
    );
    const last = sandbox.state.trail.events.at(-1)?.record as Json;
    expect(last.userIdentity.arn).toMatch(/assumed-role\/AppRole\//);
  });
});

describe("bedrock-mantle", () => {
  const mantle = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    signedFetch(sandbox, creds, { service: "bedrock-mantle", region: "us-east-1", method, path, body, headers });

  it("serves Chat Completions, Responses and Anthropic Messages with SigV4, each on its own route", async () => {
    const chat = await mantle("POST", "/v1/chat/completions", {
      model: GPT_MANTLE,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(chat.status).toBe(200);
    expect(chat.json).toMatchObject({ object: "chat.completion", model: GPT_MANTLE });
    const responses = await mantle("POST", "/v1/responses", { model: GPT_MANTLE, input: "hi" });
    expect(responses.json).toMatchObject({ object: "response", status: "completed" });
    const claude = await mantle("POST", "/anthropic/v1/messages", {
      model: HAIKU_MANTLE,
      max_tokens: 10,
      messages: [],
    });
    expect(claude.json).toMatchObject({ type: "message", role: "assistant" });
    const wrong = await mantle("POST", "/v1/chat/completions", { model: HAIKU_MANTLE, messages: [] });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toBe(`model \`${HAIKU_MANTLE}\` isn't supported on this route`);
    const unknown = await mantle("POST", "/v1/chat/completions", { model: GPT, messages: [] });
    expect(unknown.status).toBe(404);
  });

  it("accepts API keys as Authorization: Bearer or x-api-key, authorized as bedrock-mantle:CallWithBearerToken", async () => {
    const short = await shortTermKey(creds, "us-east-1");
    const models = await bearerFetch(sandbox, short, "us-east-1", "GET", "/v1/models");
    expect(models.status).toBe(200);
    expect(models.json.data.map((m: Json) => m.id)).toEqual(expect.arrayContaining([GPT_MANTLE, HAIKU_MANTLE]));
    const viaHeader = await fetch(`${sandbox.url}/region/us-east-1/v1/models`, { headers: { "x-api-key": short } });
    expect(viaHeader.status).toBe(200);
    // The SCP denies long-term keys on bedrock-mantle only (bedrock-mantle:BearerTokenType LONG_TERM).
    const { iam } = clients(sandbox, creds);
    const created = await iam.send(
      new CreateServiceSpecificCredentialCommand({ UserName: "limited", ServiceName: "bedrock.amazonaws.com" }),
    );
    const long = created.ServiceSpecificCredential?.ServiceCredentialSecret as string;
    const denied = await bearerFetch(sandbox, long, "us-east-1", "GET", "/v1/models");
    expect(denied.status).toBe(403);
    expect(denied.json.error).toMatchObject({ code: "access_denied", type: "permission_denied_error" });
    expect(denied.json.error.message).toContain("bedrock-mantle:CallWithBearerToken");
    const bad = await bearerFetch(sandbox, "ABSKbm90LWEta2V5LWF0LWFsbC0xMjM0NTY=", "us-east-1", "GET", "/v1/models");
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe("invalid_api_key");
  });

  it("manages projects with tags and their own retention; inference is authorized on the project ARN", async () => {
    const created = await mantle("POST", "/v1/organization/projects", {
      name: "chatbot",
      tags: { Team: "support" },
      data_retention: { mode: "none" },
    });
    expect(created.status).toBe(200);
    const id = created.json.id as string;
    expect(created.json).toMatchObject({
      object: "organization.project",
      arn: `arn:aws:bedrock-mantle:us-east-1:${APP}:project/${id}`,
      tags: { Team: "support" },
      data_retention: { mode: "none" },
      status: "active",
    });
    const list = await mantle("GET", "/v1/organization/projects");
    expect(list.json.data.map((p: Json) => p.id)).toEqual(["default", id]);
    const updated = await mantle("POST", `/v1/organization/projects/${id}`, { data_retention: { mode: "default" } });
    expect(updated.json.data_retention.mode).toBe("default");
    const inProject = await mantle(
      "POST",
      "/v1/chat/completions",
      { model: GPT_MANTLE, messages: [] },
      { "OpenAI-Project": id },
    );
    expect(inProject.status).toBe(200);
    expect(
      (
        await mantle(
          "POST",
          "/v1/chat/completions",
          { model: GPT_MANTLE, messages: [] },
          { "OpenAI-Project": "proj_nothere" },
        )
      ).status,
    ).toBe(404);
    expect((await mantle("POST", `/v1/organization/projects/${id}/archive`)).json.status).toBe("archived");
    const archived = await mantle(
      "POST",
      "/v1/chat/completions",
      { model: GPT_MANTLE, messages: [] },
      { "OpenAI-Project": id },
    );
    expect(archived.status).toBe(400);
    expect((await mantle("POST", "/v1/organization/projects/default/archive")).status).toBe(400);
  });

  it("scopes CreateInference to a project and a model (bedrock-mantle:Model); SCPs on bedrock:* do not apply", async () => {
    const scoped = `arn:aws:iam::${APP}:role/ProjectRole`;
    const p = (await mantle("POST", "/v1/organization/projects", { name: "scoped" })).json;
    sandbox.state.accounts.get(APP)?.principals.set(scoped, [
      {
        id: "OneProjectOneModel",
        document: {
          Statement: [
            { Effect: "Allow", Action: "sts:*", Resource: "*" },
            { Effect: "Allow", Action: "bedrock-mantle:CallWithBearerToken", Resource: "*" },
            {
              Effect: "Allow",
              Action: "bedrock-mantle:CreateInference",
              Resource: p.arn,
              Condition: { StringEquals: { "bedrock-mantle:Model": GPT_MANTLE } },
            },
            { Effect: "Deny", Action: "bedrock:*", Resource: "*" },
          ],
        },
      },
    ]);
    const c = await assumeRole(sandbox, scoped);
    const call = (project: string, model: string) =>
      signedFetch(sandbox, c, {
        service: "bedrock-mantle",
        region: "us-east-1",
        method: "POST",
        path: "/v1/chat/completions",
        body: { model, messages: [] },
        headers: { "OpenAI-Project": project },
      });
    expect((await call(p.id, GPT_MANTLE)).status).toBe(200);
    const otherProject = await call("default", GPT_MANTLE);
    expect(otherProject.status).toBe(403);
    expect(otherProject.json.error.message).toContain(
      `bedrock-mantle:CreateInference on resource: arn:aws:bedrock-mantle:us-east-1:${APP}:project/default`,
    );
  });

  it("shares the account's data retention with Bedrock (PUT /v1/data_retention)", async () => {
    const put = await mantle("PUT", "/v1/data_retention", { mode: "default" });
    expect(put.json.mode).toBe("default");
    const { bedrock } = clients(sandbox, creds);
    expect((await bedrock.send(new GetAccountDataRetentionCommand({}))).mode).toBe("default");
    expect((await mantle("PUT", "/v1/data_retention", { mode: "sometimes" })).status).toBe(400);
  });
});

describe("Claude Platform on AWS", () => {
  const claude = (body: unknown, headers: Record<string, string> = { "anthropic-workspace-id": "wrkspc_app01" }) =>
    signedFetch(sandbox, creds, {
      service: "aws-external-anthropic",
      region: "us-east-1",
      method: "POST",
      path: "/v1/messages",
      body,
      headers,
    });

  it("serves the Messages API per workspace with SigV4", async () => {
    const ok = await claude({ model: "claude-sonnet-4-6", max_tokens: 10, messages: [] });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ type: "message", model: "claude-sonnet-4-6" });
    expect((await claude({ model: "claude-sonnet-4-6" }, {})).json.error.type).toBe("invalid_request_error");
    expect((await claude({ model: "claude-nothing" })).status).toBe(404);
    expect((await claude({ model: "claude-sonnet-4-6" }, { "anthropic-workspace-id": "wrkspc_other" })).status).toBe(
      404,
    );
  });
});
