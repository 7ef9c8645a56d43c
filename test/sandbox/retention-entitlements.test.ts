// Data retention (write then enforcement, on bedrock-runtime and bedrock-mantle), the first-call
// AWS Marketplace subscription and its prerequisites, and Managed Entitlements through AWS License
// Manager (grant lifecycle and enforcement at invoke time).
import {
  GetAccountDataRetentionCommand,
  GetFoundationModelAvailabilityCommand,
  PutAccountDataRetentionCommand,
} from "@aws-sdk/client-bedrock";
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import {
  AcceptGrantCommand,
  CreateGrantCommand,
  CreateGrantVersionCommand,
  DeleteGrantCommand,
  GetGrantCommand,
  LicenseManagerClient,
  ListDistributedGrantsCommand,
  ListReceivedGrantsCommand,
  ListReceivedLicensesCommand,
} from "@aws-sdk/client-license-manager";
import { AttachPolicyCommand, CreatePolicyCommand, DetachPolicyCommand } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeRole, signedFetch } from "./access-helpers.js";
import {
  APP,
  accessScenario,
  COHERE,
  FABLE,
  HAIKU,
  type Json,
  MGMT,
  messages,
  OTHER,
  OU,
  ROLE,
} from "./access-scenario.js";
import { type Credentials, clients, errorOf } from "./helpers.js";

let sandbox: Sandbox;
let now = new Date("2026-12-01T12:00:00Z");
let creds: Credentials;
const OTHER_ROLE = `arn:aws:iam::${OTHER}:role/OtherRole`;
const doc = (...Statement: Json[]) => JSON.stringify({ Version: "2012-10-17", Statement });

beforeAll(async () => {
  sandbox = await startSandbox({
    clock: { now: () => now },
    scenario: accessScenario((s) => {
      const other = s.accounts.find((a: Json) => a.id === OTHER);
      other.managedEntitlementModels = [HAIKU];
      other.principals = [
        {
          arn: OTHER_ROLE,
          policies: [
            {
              name: "NoMarketplace",
              document: {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: ["bedrock:*", "sts:*"], Resource: "*" }],
              },
            },
          ],
        },
      ];
      s.managedEntitlements = { licenses: [{ model: HAIKU }] };
    }),
  });
  creds = await assumeRole(sandbox, ROLE);
});
afterAll(async () => sandbox.close());

const converse = (c: Credentials, modelId: string, region = "us-east-1") =>
  clients(sandbox, c, region).runtime.send(new ConverseCommand({ modelId, messages }));

describe("data retention", () => {
  it("is an account setting per Region: read, written, and pinned by an SCP on bedrock:DataRetentionMode", async () => {
    const east = clients(sandbox, creds).bedrock;
    const fresh = await east.send(new GetAccountDataRetentionCommand({}));
    expect(fresh.mode).toBe("inherit");
    expect(fresh.updatedAt).toBeUndefined();
    const put = await east.send(new PutAccountDataRetentionCommand({ mode: "none" }));
    expect(put).toMatchObject({ mode: "none", updatedAt: now });
    expect((await clients(sandbox, creds, "us-west-2").bedrock.send(new GetAccountDataRetentionCommand({}))).mode).toBe(
      "inherit",
    );
    const bad = await errorOf(() => east.send(new PutAccountDataRetentionCommand({ mode: "sometimes" as never })));
    expect(bad.name).toBe("ValidationException");
    // The documented SCP: nobody may set any mode but none.
    const { organizations } = clients(sandbox);
    const p = await organizations.send(
      new CreatePolicyCommand({
        Name: "ZeroRetentionOnly",
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: doc({
          Effect: "Deny",
          Action: "bedrock:PutAccountDataRetention",
          Resource: "*",
          Condition: { StringNotEquals: { "bedrock:DataRetentionMode": "none" } },
        }),
      }),
    );
    await organizations.send(new AttachPolicyCommand({ PolicyId: p.Policy?.PolicySummary?.Id, TargetId: OU }));
    const pinned = await errorOf(() => east.send(new PutAccountDataRetentionCommand({ mode: "provider_data_share" })));
    expect(pinned.message).toMatch(
      /bedrock:PutAccountDataRetention on resource: \* with an explicit deny in a service control policy/,
    );
    await east.send(new PutAccountDataRetentionCommand({ mode: "none" }));
    await organizations.send(new DetachPolicyCommand({ PolicyId: p.Policy?.PolicySummary?.Id, TargetId: OU }));
  });

  it("is enforced at invoke time: a model whose allowed modes exclude the effective one is refused", async () => {
    // us-east-1 is `none`: Claude Fable 5 runs only with provider data sharing.
    const none = await errorOf(() => converse(creds, `global.${FABLE}`));
    expect(none.name).toBe("ValidationException");
    expect(none.message).toBe("data retention mode 'none' is not available for this model");
    // us-west-2 inherits: the model's own default (`default`) is not enough either.
    expect((await errorOf(() => converse(creds, `global.${FABLE}`, "us-west-2"))).message).toContain("mode 'default'");
    await clients(sandbox, creds, "us-west-2").bedrock.send(
      new PutAccountDataRetentionCommand({ mode: "provider_data_share" }),
    );
    expect((await converse(creds, `global.${FABLE}`, "us-west-2")).stopReason).toBe("end_turn");
    // Other models run under `none`.
    expect((await converse(creds, HAIKU)).stopReason).toBe("end_turn");
  });

  it("resolves project → account → model default on bedrock-mantle, and shows it in the model list", async () => {
    const mantle = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      signedFetch(sandbox, creds, { service: "bedrock-mantle", region: "us-east-1", method, path, body, headers });
    const models = await mantle("GET", `/v1/models/${FABLE}`);
    expect(models.json).toMatchObject({
      status: "unavailable",
      status_reason: "This model is not available under data retention mode 'none'.",
      data_retention: { mode: "none", source: "account", allowed_modes: ["provider_data_share"] },
    });
    const refused = await mantle("POST", "/anthropic/v1/messages", { model: FABLE, max_tokens: 5, messages: [] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.type).toBe("invalid_request_error");
    const project = (
      await mantle("POST", "/v1/organization/projects", {
        name: "fable",
        data_retention: { mode: "provider_data_share" },
      })
    ).json;
    const ok = await mantle(
      "POST",
      "/anthropic/v1/messages",
      { model: FABLE, max_tokens: 5, messages: [] },
      { "anthropic-workspace": project.id },
    );
    expect(ok.status).toBe(200);
  });
});

describe("AWS Marketplace: the first invocation subscribes", () => {
  it("a never-used model answers during the background subscription, which completes after its delay", async () => {
    const availability = async () =>
      (await clients(sandbox, creds).bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId: COHERE })))
        .agreementAvailability?.status;
    expect(await availability()).toBe("NOT_AVAILABLE");
    expect((await converse(creds, COHERE)).stopReason).toBe("end_turn");
    expect(await availability()).toBe("PENDING");
    expect((await converse(creds, COHERE)).stopReason).toBe("end_turn");
    now = new Date(now.getTime() + 61_000);
    expect(await availability()).toBe("AVAILABLE");
  });

  it("checks ViewSubscriptions, then Subscribe with aws-marketplace:ProductId, then the payment method", async () => {
    const { organizations } = clients(sandbox);
    const p = await organizations.send(
      new CreatePolicyCommand({
        Name: "NoClaude3Haiku",
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: doc({
          Effect: "Deny",
          Action: "aws-marketplace:Subscribe",
          Resource: "*",
          Condition: { "ForAnyValue:StringEquals": { "aws-marketplace:ProductId": ["prod-ozonys2hmmpeu"] } },
        }),
      }),
    );
    await organizations.send(new AttachPolicyCommand({ PolicyId: p.Policy?.PolicySummary?.Id, TargetId: OU }));
    sandbox.state.agreements.delete(`${APP}|us-east-1|${HAIKU}`);
    sandbox.state.agreements.delete(`${APP}|us-west-2|${HAIKU}`);
    const e = await errorOf(() => converse(creds, HAIKU));
    expect(e.name).toBe("AccessDeniedException");
    expect(e.message).toMatch(
      /^Model access is denied due to User: .* is not authorized to perform: aws-marketplace:Subscribe on resource: \* with an explicit deny in a service control policy\. Your AWS Marketplace subscription for this model cannot be completed at this time\./,
    );
    const other = await assumeRole(sandbox, OTHER_ROLE);
    sandbox.state.accounts.get(OTHER)?.managedEntitlementModels.delete(HAIKU);
    expect((await errorOf(() => converse(other, COHERE))).message).toContain("aws-marketplace:ViewSubscriptions");
    sandbox.state.accounts.get(OTHER)?.managedEntitlementModels.add(HAIKU);
    const acct = sandbox.state.accounts.get(APP);
    if (acct) acct.paymentMethod = false;
    // A model the account already subscribed to does not need a payment method check again.
    expect((await converse(creds, COHERE, "us-west-2")).stopReason).toBe("end_turn");
    sandbox.state.agreements.clear();
    expect((await errorOf(() => converse(creds, COHERE))).message).toContain("INVALID_PAYMENT_INSTRUMENT");
    if (acct) acct.paymentMethod = true;
  });
});

describe("Managed Entitlements (AWS License Manager, us-east-1)", () => {
  it("the management account's license is granted, accepted, activated, deactivated and deleted", async () => {
    const lm = (c: Credentials) =>
      new LicenseManagerClient({ region: "us-east-1", endpoint: sandbox.url, credentials: c, maxAttempts: 1 });
    const mgmt = lm(sandbox.baseCredentials);
    const other = await assumeRole(sandbox, OTHER_ROLE);
    const member = lm(other);
    const licenses = (await mgmt.send(new ListReceivedLicensesCommand({}))).Licenses ?? [];
    expect(licenses).toHaveLength(1);
    const license = licenses[0];
    expect(license).toMatchObject({
      ProductSKU: "prod-ozonys2hmmpeu",
      Beneficiary: MGMT,
      ReceivedMetadata: { ReceivedStatus: "ACTIVE" },
    });
    // Without any grant the member is refused (the model comes through a managed entitlement there).
    expect((await errorOf(() => converse(other, HAIKU))).message).toBe(
      "You don't have access to the model with the specified model ID.",
    );
    const created = await mgmt.send(
      new CreateGrantCommand({
        ClientToken: "t1",
        GrantName: "Claude 3 Haiku for other",
        LicenseArn: license?.LicenseArn,
        Principals: [`arn:aws:iam::${OTHER}:root`],
        HomeRegion: "us-east-1",
        AllowedOperations: ["CheckoutLicense", "ListPurchasedLicenses"],
      }),
    );
    expect(created.Status).toBe("PENDING_ACCEPT");
    const arn = created.GrantArn as string;
    const received = await member.send(new ListReceivedGrantsCommand({}));
    expect(received.Grants?.map((g) => [g.GrantArn, g.GrantStatus])).toEqual([[arn, "PENDING_ACCEPT"]]);
    expect(
      (await member.send(new ListReceivedLicensesCommand({}))).Licenses?.[0]?.ReceivedMetadata?.ReceivedStatus,
    ).toBe("PENDING_ACCEPT");
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
    expect((await member.send(new AcceptGrantCommand({ GrantArn: arn }))).Status).toBe("DISABLED");
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
    await member.send(new CreateGrantVersionCommand({ GrantArn: arn, ClientToken: "v2", Status: "ACTIVE" }));
    // ACTIVE: invocable, without AWS Marketplace permissions in the member.
    expect((await converse(other, HAIKU)).stopReason).toBe("end_turn");
    expect((await mgmt.send(new GetGrantCommand({ GrantArn: arn }))).Grant).toMatchObject({
      GrantStatus: "ACTIVE",
      Version: "2",
    });
    await mgmt.send(new CreateGrantVersionCommand({ GrantArn: arn, ClientToken: "v3", Status: "DISABLED" }));
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
    expect((await errorOf(() => member.send(new DeleteGrantCommand({ GrantArn: arn, Version: "3" })))).name).toBe(
      "AuthorizationException",
    );
    await member.send(new CreateGrantVersionCommand({ GrantArn: arn, ClientToken: "v4", Status: "ACTIVE" }));
    expect((await converse(other, HAIKU)).stopReason).toBe("end_turn");
    expect((await mgmt.send(new DeleteGrantCommand({ GrantArn: arn, Version: "4" }))).Status).toBe("DELETED");
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
    const distributed = await mgmt.send(new ListDistributedGrantsCommand({}));
    expect(distributed.Grants?.find((g) => g.GrantArn === arn)?.GrantStatus).toBe("DELETED");
    expect((await member.send(new ListReceivedGrantsCommand({}))).Grants).toEqual([]);
  });

  it("an organization grant reaches every member as a child grant of its own", async () => {
    const lm = (c: Credentials) =>
      new LicenseManagerClient({ region: "us-east-1", endpoint: sandbox.url, credentials: c, maxAttempts: 1 });
    const mgmt = lm(sandbox.baseCredentials);
    const license = (await mgmt.send(new ListReceivedLicensesCommand({}))).Licenses?.[0];
    const org = await mgmt.send(
      new CreateGrantCommand({
        ClientToken: "org",
        GrantName: "Claude 3 Haiku for everyone",
        LicenseArn: license?.LicenseArn,
        Principals: [sandbox.state.organization.arn],
        HomeRegion: "us-east-1",
        AllowedOperations: ["CheckoutLicense"],
      }),
    );
    expect(org.Status).toBe("PENDING_WORKFLOW");
    const member = lm(await assumeRole(sandbox, OTHER_ROLE));
    const child = (await member.send(new ListReceivedGrantsCommand({}))).Grants?.[0];
    expect(child).toMatchObject({
      ParentArn: org.GrantArn,
      GranteePrincipalArn: `arn:aws:iam::${OTHER}:root`,
      GrantStatus: "PENDING_ACCEPT",
    });
    expect(child?.GrantArn).not.toBe(org.GrantArn);
    expect((await mgmt.send(new GetGrantCommand({ GrantArn: org.GrantArn }))).Grant?.GrantStatus).toBe(
      "WORKFLOW_COMPLETED",
    );
  });
  it("a grant to an OU reaches every account in it, is activated by the grantor for all and deleted for all", async () => {
    // "An organizational unit (OU), which includes all accounts in the OU" [doc License Manager API
    // Reference "CreateGrant" — Principals]; the parent reports WORKFLOW_COMPLETED and each account
    // holds a child grant [doc License Manager "License status for grants"].
    const lm = (c: Credentials) =>
      new LicenseManagerClient({ region: "us-east-1", endpoint: sandbox.url, credentials: c, maxAttempts: 1 });
    const mgmt = lm(sandbox.baseCredentials);
    for (const g of (await mgmt.send(new ListDistributedGrantsCommand({}))).Grants ?? [])
      if (g.GrantStatus !== "DELETED")
        await mgmt.send(new DeleteGrantCommand({ GrantArn: g.GrantArn, Version: g.Version }));
    const ouArn = sandbox.state.ous.get(OU)?.arn as string;
    expect(ouArn).toMatch(/^arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]+\/ou-/);
    const license = (await mgmt.send(new ListReceivedLicensesCommand({}))).Licenses?.[0];
    const parent = await mgmt.send(
      new CreateGrantCommand({
        ClientToken: "ou",
        GrantName: "Claude 3 Haiku for Workloads",
        LicenseArn: license?.LicenseArn,
        Principals: [ouArn],
        HomeRegion: "us-east-1",
        AllowedOperations: ["CheckoutLicense"],
      }),
    );
    expect(parent.Status).toBe("PENDING_WORKFLOW");
    const other = await assumeRole(sandbox, OTHER_ROLE);
    const members: Record<string, LicenseManagerClient> = {
      [APP]: lm(await assumeRole(sandbox, ROLE)),
      [OTHER]: lm(other),
    };
    const receivedBy = async (account: string) =>
      ((await members[account]?.send(new ListReceivedGrantsCommand({})))?.Grants ?? []).map((g) => ({
        parent: g.ParentArn,
        principal: g.GranteePrincipalArn,
        status: g.GrantStatus,
      }));
    for (const account of [APP, OTHER])
      expect(await receivedBy(account)).toEqual([
        { parent: parent.GrantArn, principal: `arn:aws:iam::${account}:root`, status: "PENDING_ACCEPT" },
      ]);
    // The management account (outside the OU, and the grantor) receives nothing.
    expect((await mgmt.send(new ListReceivedGrantsCommand({}))).Grants).toEqual([]);
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
    // The grantor's CreateGrantVersion on the distributed grant activates every member's child grant.
    const v2 = await mgmt.send(
      new CreateGrantVersionCommand({ GrantArn: parent.GrantArn, ClientToken: "ou-2", Status: "ACTIVE" }),
    );
    expect(v2.Status).toBe("ACTIVE");
    for (const account of [APP, OTHER]) expect((await receivedBy(account))[0]?.status).toBe("ACTIVE");
    expect((await converse(other, HAIKU)).stopReason).toBe("end_turn");
    expect((await mgmt.send(new GetGrantCommand({ GrantArn: parent.GrantArn }))).Grant).toMatchObject({
      GranteePrincipalArn: ouArn,
      GrantStatus: "WORKFLOW_COMPLETED",
    });
    // Deleting the distributed grant revokes it in every account of the OU.
    await mgmt.send(new DeleteGrantCommand({ GrantArn: parent.GrantArn, Version: "2" }));
    for (const account of [APP, OTHER]) expect(await receivedBy(account)).toEqual([]);
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
  });

  it("the grantor activates its own grant; availability reports the entitlement only while a grant is ACTIVE", async () => {
    const lm = (c: Credentials) =>
      new LicenseManagerClient({ region: "us-east-1", endpoint: sandbox.url, credentials: c, maxAttempts: 1 });
    const mgmt = lm(sandbox.baseCredentials);
    const other = await assumeRole(sandbox, OTHER_ROLE);
    // The organization grant of the previous test would serve the account: revoke it first.
    for (const g of (await mgmt.send(new ListDistributedGrantsCommand({}))).Grants ?? [])
      if (g.GrantStatus !== "DELETED")
        await mgmt.send(new DeleteGrantCommand({ GrantArn: g.GrantArn, Version: g.Version }));
    const availability = async () =>
      (await clients(sandbox, other).bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId: HAIKU })))
        .entitlementAvailability;
    expect(await availability()).toBe("NOT_AVAILABLE");
    const license = (await mgmt.send(new ListReceivedLicensesCommand({}))).Licenses?.[0];
    const created = await mgmt.send(
      new CreateGrantCommand({
        ClientToken: "grantor-activates",
        GrantName: "bedrock-governor Claude 3 Haiku",
        LicenseArn: license?.LicenseArn,
        Principals: [`arn:aws:iam::${OTHER}:root`],
        HomeRegion: "us-east-1",
        AllowedOperations: ["CheckoutLicense"],
      }),
    );
    expect(created.Status).toBe("PENDING_ACCEPT");
    expect(await availability()).toBe("NOT_AVAILABLE");
    // The grantor may activate a grant the member has not accepted (CreateGrantVersion Status=ACTIVE).
    const v2 = await mgmt.send(
      new CreateGrantVersionCommand({ GrantArn: created.GrantArn, ClientToken: "ga-2", Status: "ACTIVE" }),
    );
    expect(v2).toMatchObject({ Status: "ACTIVE", Version: "2" });
    expect(await availability()).toBe("AVAILABLE");
    expect((await converse(other, HAIKU)).stopReason).toBe("end_turn");
    const mine = await mgmt.send(
      new ListDistributedGrantsCommand({
        Filters: [{ Name: "GranteePrincipalARN", Values: [`arn:aws:iam::${OTHER}:root`] }],
      }),
    );
    expect(mine.Grants?.filter((g) => g.GrantStatus === "ACTIVE").map((g) => g.GrantArn)).toEqual([created.GrantArn]);
    await mgmt.send(new DeleteGrantCommand({ GrantArn: created.GrantArn, Version: "2" }));
    expect(await availability()).toBe("NOT_AVAILABLE");
    expect((await errorOf(() => converse(other, HAIKU))).name).toBe("AccessDeniedException");
    // [?] switch: a client that must not rely on the field sees AVAILABLE regardless.
    sandbox.state.switches.availabilityWithoutGrant = "AVAILABLE";
    expect(await availability()).toBe("AVAILABLE");
    sandbox.state.switches.availabilityWithoutGrant = "NOT_AVAILABLE";
  });
});
