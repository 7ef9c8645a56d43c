// bedrock-mantle through the SigV4-signed client (no AWS SDK client exists for it), against the
// sandbox: signed reads work, throttling is retried to the client's attempts and then surfaces as
// the throttling gate (so the sync job retries; the facts reader never turns it into an unknown
// fact), while a failure after retries becomes an unknown fact with its reason.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsAccess, createAwsAccess } from "../../src/aws/aws-access.js";
import { DEFAULT_RATES } from "../../src/aws/rate-limiter.js";
import { createFactsReader } from "../../src/modules/inventory/facts-reader.service.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { APP, accessScenario, FABLE } from "../sandbox/access-scenario.js";

let sandbox: Sandbox;
let aws: AwsAccess;

beforeAll(async () => {
  sandbox = await startSandbox({ scenario: accessScenario(), port: 0 });
  aws = createAwsAccess({
    target: "sandbox",
    clients: {
      homeRegion: "us-east-1",
      endpoint: sandbox.url,
      maxAttempts: 3,
      requestTimeoutMs: 5_000,
      rates: DEFAULT_RATES,
    },
    roleChain: {
      memberRoleName: sandbox.memberRoleName,
      ...(sandbox.externalId ? { externalId: sandbox.externalId } : {}),
      sessionName: "bedrock-governor",
      durationSeconds: 3600,
      refreshMarginMs: 60_000,
    },
    baseCredentials: sandbox.baseCredentials,
  });
});
afterAll(async () => {
  aws?.close();
  await sandbox?.close();
});

describe("bedrock-mantle through the signed client", () => {
  it("lists models (with their allowed retention modes) and projects, signed as bedrock-mantle", async () => {
    const mantle = aws.account(APP).mantle("us-east-1");
    const models = await mantle.listModels();
    expect(models.find((m) => m.id === FABLE)?.allowedModes).toEqual(["provider_data_share"]);
    const projects = await mantle.listProjects();
    expect(projects.map((p) => p.id)).toContain("default");
  });

  it("retries throttling up to the client's attempts, then reports the throttling gate; the facts reader lets it through", async () => {
    sandbox.counters.reset();
    sandbox.faults.setOutage({ kind: "throttle", service: "bedrock-mantle" });
    try {
      await expect(aws.account(APP).mantle("us-east-1").listProjects()).rejects.toMatchObject({ gate: "throttling" });
      expect(sandbox.counters.count({ service: "bedrock-mantle", operation: "ListProjects" })).toBe(3);
      await expect(createFactsReader().readRegion(aws.account(APP), "us-east-1")).rejects.toMatchObject({
        gate: "throttling",
      });
    } finally {
      sandbox.faults.setOutage(undefined);
    }
  });

  it("a server failure after retries leaves the facts unknown with the reason, the others read", async () => {
    sandbox.faults.setOutage({ kind: "server_error", service: "bedrock-mantle" });
    try {
      const facts = await createFactsReader().readRegion(aws.account(APP), "us-west-2");
      const byName = new Map(facts.map((f) => [f.fact, f]));
      expect(byName.get("data_retention")).toMatchObject({ known: true, value: { mode: expect.any(String) } });
      expect(byName.get("mantle_projects")).toMatchObject({ known: false, value: null });
      expect(byName.get("mantle_projects")?.reason).toMatch(/bedrock-mantle:ListProjects.*\[unavailable\]/);
    } finally {
      sandbox.faults.setOutage(undefined);
    }
  });
});
