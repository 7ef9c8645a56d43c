// End to end: a sandbox role whose only permissions are the compiled IAM policy (as managed
// policies) calls Bedrock. The approved third-party model answers on bedrock-runtime, its first
// call subscribing the account (Marketplace permissions scoped by product id), and on bedrock-mantle;
// unapproved models are refused on both surfaces.
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../src/modules/catalog/catalog.types.js";
import { compileIamPolicy, type ModelFact } from "../../src/modules/catalog/policy-compiler.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { assumeRole, signedFetch } from "../sandbox/access-helpers.js";
import {
  APP,
  accessScenario,
  app,
  COHERE,
  FABLE,
  GPT,
  GPT_MANTLE,
  HAIKU,
  HAIKU_MANTLE,
  messages,
  NOVA,
} from "../sandbox/access-scenario.js";
import { type Credentials, clients, errorOf } from "../sandbox/helpers.js";

const DEV = `arn:aws:iam::${APP}:role/GovernedDeveloper`;
const REGIONS = ["us-east-1", "us-west-2"];
const entry = (id: string, model: string, extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id,
  model,
  scope: { kind: "organization" },
  owner: "platform",
  justification: "test",
  ...extra,
});
const MODELS: ModelFact[] = [
  { modelId: HAIKU, provider: "Anthropic", regions: REGIONS },
  { modelId: NOVA, provider: "Amazon", regions: REGIONS },
  { modelId: GPT, provider: "OpenAI", regions: REGIONS },
  { modelId: COHERE, provider: "Cohere", regions: REGIONS },
];

const compiled = compileIamPolicy({
  accountId: APP,
  region: "us-east-1",
  entries: [entry("haiku", HAIKU, { endpoints: ["runtime", "mantle"] }), entry("nova", NOVA)],
  models: MODELS,
  profiles: [],
  mantleModels: [HAIKU_MANTLE, GPT_MANTLE, FABLE],
  now: new Date("2026-12-06T12:00:00Z"),
});

let sandbox: Sandbox;
let creds: Credentials;

beforeAll(async () => {
  sandbox = await startSandbox({
    scenario: accessScenario((s) => {
      app(s).principals.push({
        arn: DEV,
        policies: compiled.managedPolicies.map((document, i) => ({ name: `BedrockGoverned${i + 1}`, document })),
      });
    }),
  });
  creds = await assumeRole(sandbox, DEV);
});
afterAll(async () => sandbox?.close());

describe("a role holding only the compiled IAM policy", () => {
  it("calls the approved models; the third-party one's first call subscribes the account", async () => {
    expect(JSON.stringify(compiled.document)).toContain("prod-ozonys2hmmpeu");
    const { runtime } = clients(sandbox, creds);
    for (const modelId of [HAIKU, NOVA]) {
      const out = await runtime.send(new ConverseCommand({ modelId, messages }));
      expect(out.output?.message?.role).toBe("assistant");
    }
  });

  it("is refused unapproved models on bedrock-runtime", async () => {
    const { runtime } = clients(sandbox, creds);
    for (const modelId of [COHERE, GPT]) {
      const err = await errorOf(() => runtime.send(new ConverseCommand({ modelId, messages })));
      expect(err.name).toBe("AccessDeniedException");
    }
  });

  it("calls the approved model on bedrock-mantle and is refused the others", async () => {
    const mantle = (path: string, body: unknown) =>
      signedFetch(sandbox, creds, { service: "bedrock-mantle", region: "us-east-1", method: "POST", path, body });
    const claude = await mantle("/anthropic/v1/messages", { model: HAIKU_MANTLE, max_tokens: 10, messages: [] });
    expect(claude.status).toBe(200);
    expect(claude.json).toMatchObject({ type: "message", model: HAIKU_MANTLE });
    const gpt = await mantle("/v1/chat/completions", {
      model: GPT_MANTLE,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(gpt.status).toBe(403);
    expect(JSON.stringify(gpt.json)).toContain("bedrock-mantle:CreateInference");
  });
});
