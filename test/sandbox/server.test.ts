import { ListFoundationModelsCommand } from "@aws-sdk/client-bedrock";
import { ListAccountsCommand, TooManyRequestsException } from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeMember, clients, DEV, errorOf, smallScenario } from "./helpers.js";

let sandbox: Sandbox;
let now = new Date("2026-11-20T12:00:00Z");
beforeAll(async () => {
  sandbox = await startSandbox({
    clock: { now: () => now },
    scenario: smallScenario({
      faults: {
        defaultQuotas: false,
        quotas: [{ service: "organizations", operation: "ListAccounts", tps: 5 }],
        errorRates: [{ service: "bedrock", operation: "ListFoundationModels", region: "eu-west-1", rate: 1 }],
      },
    }),
  });
});
afterAll(async () => sandbox.close());

describe("sandbox server", () => {
  it("rejects unsigned requests, unknown keys and bad signatures in each protocol's terms", async () => {
    const unsigned = await fetch(`${sandbox.url}/foundation-models`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(unsigned.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    const unknown = clients(sandbox, { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x".repeat(40) });
    expect((await errorOf(() => unknown.sts.send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
    expect((await errorOf(() => unknown.organizations.send(new ListAccountsCommand({})))).name).toBe(
      "UnrecognizedClientException",
    );
    expect((await errorOf(() => unknown.bedrock.send(new ListFoundationModelsCommand({})))).name).toBe(
      "UnrecognizedClientException",
    );
    const wrongSecret = clients(sandbox, {
      accessKeyId: sandbox.baseCredentials.accessKeyId,
      secretAccessKey: "y".repeat(40),
    });
    expect((await errorOf(() => wrongSecret.sts.send(new GetCallerIdentityCommand({})))).name).toBe(
      "SignatureDoesNotMatch",
    );
    expect((await errorOf(() => wrongSecret.bedrock.send(new ListFoundationModelsCommand({})))).name).toBe(
      "InvalidSignatureException",
    );
  });

  it("expires assumed-role sessions", async () => {
    const creds = await assumeMember(sandbox, DEV);
    const member = clients(sandbox, creds);
    expect((await member.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(DEV);
    now = new Date(now.getTime() + 3601_000);
    expect((await errorOf(() => member.sts.send(new GetCallerIdentityCommand({})))).name).toBe("ExpiredToken");
    expect((await errorOf(() => member.bedrock.send(new ListFoundationModelsCommand({})))).name).toBe(
      "ExpiredTokenException",
    );
  });

  it("throttles Organizations with TooManyRequestsException and counts every request", async () => {
    const { organizations } = clients(sandbox);
    sandbox.counters.reset();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => organizations.send(new ListAccountsCommand({}))),
    );
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected).toHaveLength(3);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(TooManyRequestsException);
    expect(sandbox.counters.count({ service: "organizations", operation: "ListAccounts" })).toBe(8);
    expect(sandbox.counters.throttled({ service: "organizations" })).toBe(3);
    expect(sandbox.counters.count({ account: sandbox.managementAccountId, region: "us-east-1" })).toBe(8);
    // A new second on the sandbox clock opens a new window.
    now = new Date(now.getTime() + 1000);
    await organizations.send(new ListAccountsCommand({}));
    expect(sandbox.counters.maxPerSecond({ service: "organizations" })).toBe(8);
  });

  it("injects 5xx faults where configured", async () => {
    const eu = clients(sandbox, sandbox.baseCredentials, "eu-west-1");
    sandbox.state.accounts.get(sandbox.managementAccountId)?.regions.push("eu-west-1");
    const e = await errorOf(() => eu.bedrock.send(new ListFoundationModelsCommand({})));
    expect(e.name).toBe("InternalServerException");
    expect(e.$metadata?.httpStatusCode).toBe(500);
  });
});
