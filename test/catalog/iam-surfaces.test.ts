// The IAM compiler's bedrock-mantle, Marketplace and API-key statements, and its agreement with
// the reachability engine: the compiled policy is evaluated on the exact requests the engine says
// each path is authorized as (callRequests, subscribeRequests). Approved → allowed; unapproved →
// implicitly denied; on every path and for every way of authenticating.
import { describe, expect, it } from "vitest";
import { documentedProductId } from "../../src/kernel/aws-marketplace.js";
import { evaluatePolicies, type NamedPolicy, parsePolicyDocument } from "../../src/lib/policy-evaluator.js";
import type { CatalogEntry, Endpoint } from "../../src/modules/catalog/catalog.types.js";
import {
  type CompiledIamPolicy,
  compileIamPolicy,
  MANAGED_POLICY_MAX_CHARACTERS,
  type ModelFact,
  type ProfileFact,
} from "../../src/modules/catalog/policy-compiler.js";
import { callRequests, mantleProjectArn, subscribeRequests } from "../../src/modules/reachability/call-requests.js";
import { mantleIdOf } from "../../src/modules/reachability/engine.js";
import type { AuthKind, CallPath } from "../../src/modules/reachability/reachability.types.js";

const NOW = new Date("2026-12-06T12:00:00Z");
const ACCOUNT = "111122223333";
const REGION = "us-east-1";
const US = ["us-east-1", "us-east-2", "us-west-2"];

const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0";
const COHERE = "cohere.command-r-plus-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const GPT_OSS = "openai.gpt-oss-120b-1:0";
/** A third-party model AWS's product-id table does not list. */
const UNDOCUMENTED = "anthropic.claude-fable-5-20261001-v1:0";

const MODELS: ModelFact[] = [
  { modelId: SONNET, provider: "Anthropic", regions: US },
  { modelId: HAIKU, provider: "Anthropic", regions: US },
  { modelId: COHERE, provider: "Cohere", regions: US },
  { modelId: NOVA, provider: "Amazon", regions: US },
  { modelId: GPT_OSS, provider: "OpenAI", regions: US },
  // Not in AWS's product-id table; the inventory saw agreement offers for it (policy-facts).
  { modelId: UNDOCUMENTED, provider: "Anthropic", regions: US, marketplace: true },
];
const PROFILES: ProfileFact[] = [
  { profileId: `us.${SONNET}`, modelId: SONNET, sourceRegions: US, destinationRegions: US, isGlobal: false },
  { profileId: `global.${SONNET}`, modelId: SONNET, sourceRegions: US, destinationRegions: [], isGlobal: true },
  { profileId: `us.${HAIKU}`, modelId: HAIKU, sourceRegions: US, destinationRegions: US, isGlobal: false },
  { profileId: `us.${COHERE}`, modelId: COHERE, sourceRegions: US, destinationRegions: US, isGlobal: false },
];
/** What bedrock-mantle serves in the Region (its ids drop the Bedrock version suffix). */
const MANTLE = ["anthropic.claude-haiku-4-5", "anthropic.claude-sonnet-4-5", "openai.gpt-oss-120b", "cohere.command"];

const entry = (id: string, model: string, extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id,
  model,
  scope: { kind: "organization" },
  owner: "platform",
  justification: "test",
  ...extra,
});

/** `null`: the served models were never read. */
const compile = (entries: CatalogEntry[], mantleModels: readonly string[] | null = MANTLE) =>
  compileIamPolicy({
    accountId: ACCOUNT,
    region: REGION,
    entries,
    models: MODELS,
    profiles: PROFILES,
    mantleModels: mantleModels ?? undefined,
    now: NOW,
  });

const sid = (c: CompiledIamPolicy, s: string) => c.document.Statement.find((x) => x.Sid === s);
const named = (c: CompiledIamPolicy): NamedPolicy[] =>
  c.managedPolicies.map((d, i) => ({ id: `p${i}`, document: parsePolicyDocument(d) }));

describe("compileIamPolicy: bedrock-mantle", () => {
  it("allows CreateInference on the Region's projects only for the mantle ids of entries allowing mantle", () => {
    const c = compile([
      entry("e1", HAIKU, { endpoints: ["mantle"] }),
      entry("e2", SONNET), // runtime only
    ]);
    const st = sid(c, "MantleInference");
    expect(st?.Action).toEqual(["bedrock-mantle:CreateInference"]);
    expect(st?.Resource).toEqual([`arn:aws:bedrock-mantle:${REGION}:${ACCOUNT}:project/*`]);
    expect(st?.Condition).toEqual({ StringEquals: { "bedrock-mantle:Model": ["anthropic.claude-haiku-4-5"] } });
    expect(sid(c, "MantleProjectRead")?.Action).toEqual([
      "bedrock-mantle:GetModel",
      "bedrock-mantle:GetProject",
      "bedrock-mantle:ListModels",
      "bedrock-mantle:ListProjects",
      "bedrock-mantle:ListTagsForResource",
    ]);
    expect(sid(c, "MantleProjectRead")?.Condition).toBeUndefined();
    // The mantle-only entry gives no runtime statement for HAIKU.
    expect(JSON.stringify(sid(c, "ApprovedModels"))).not.toContain(HAIKU);
  });

  it("has no mantle statement without a mantle entry, and warns when the served models are not known", () => {
    expect(sid(compile([entry("e1", SONNET)]), "MantleInference")).toBeUndefined();
    const unknown = compile([entry("e1", HAIKU, { endpoints: ["mantle"] })], null);
    expect(sid(unknown, "MantleInference")).toBeUndefined();
    expect(unknown.warnings.join("\n")).toMatch(/e1 allow bedrock-mantle but the models it serves in us-east-1/);
    const unserved = compile([entry("e1", NOVA, { endpoints: ["mantle"] })]);
    expect(unserved.warnings).toContain(`entry e1: bedrock-mantle does not serve ${NOVA} in ${REGION}`);
  });

  it("expands a pattern entry to the served mantle ids it matches; viaProfiles and other Regions allow none", () => {
    const c = compile([entry("e1", "anthropic.*", { endpoints: ["runtime", "mantle"] })]);
    expect(sid(c, "MantleInference")?.Condition?.StringEquals?.["bedrock-mantle:Model"]).toEqual([
      "anthropic.claude-haiku-4-5",
      "anthropic.claude-sonnet-4-5",
    ]);
    const via = compile([entry("e1", SONNET, { endpoints: ["mantle"], viaProfiles: [`us.${SONNET}`] })]);
    expect(sid(via, "MantleInference")).toBeUndefined();
    const elsewhere = compile([entry("e1", HAIKU, { endpoints: ["mantle"], regions: ["eu-west-1"] })]);
    expect(sid(elsewhere, "MantleInference")).toBeUndefined();
  });
});

describe("compileIamPolicy: Marketplace", () => {
  it("scopes Subscribe and Unsubscribe to the product ids of the approved third-party models", () => {
    const c = compile([entry("e1", SONNET), entry("e2", HAIKU, { endpoints: ["mantle"] }), entry("e3", NOVA)]);
    expect(sid(c, "MarketplaceSubscribe")).toEqual({
      Sid: "MarketplaceSubscribe",
      Effect: "Allow",
      Action: ["aws-marketplace:Subscribe", "aws-marketplace:Unsubscribe"],
      Resource: ["*"],
      Condition: {
        StringEquals: { "aws-marketplace:ProductId": [documentedProductId(SONNET), documentedProductId(HAIKU)].sort() },
      },
    });
    expect(sid(c, "MarketplaceViewSubscriptions")?.Action).toEqual(["aws-marketplace:ViewSubscriptions"]);
  });

  it("grants nothing when no third-party model is approved", () => {
    const c = compile([entry("e1", NOVA), entry("e2", GPT_OSS, { endpoints: ["runtime", "mantle"] })]);
    expect(JSON.stringify(c.document)).not.toContain("aws-marketplace");
  });

  it("reports a third-party model without a documented product id instead of granting Subscribe unscoped", () => {
    const c = compile([entry("e1", UNDOCUMENTED)]);
    expect(JSON.stringify(c.document)).not.toContain("aws-marketplace");
    expect(c.warnings.join("\n")).toContain(`${UNDOCUMENTED} is sold through AWS Marketplace but AWS documents no`);
    const mixed = compile([entry("e1", UNDOCUMENTED), entry("e2", COHERE)]);
    expect(sid(mixed, "MarketplaceSubscribe")?.Condition).toEqual({
      StringEquals: { "aws-marketplace:ProductId": [documentedProductId(COHERE)] },
    });
  });
});

describe("compileIamPolicy: Bedrock API keys", () => {
  it("never allows CallWithBearerToken unless an applying entry allows API keys", () => {
    const c = compile([entry("e1", SONNET), entry("e2", HAIKU, { endpoints: ["mantle"] })]);
    expect(JSON.stringify(c.document)).not.toContain("CallWithBearerToken");
    const expired = compile([entry("e1", SONNET, { apiKeys: true, expiresAt: "2026-01-01T00:00:00Z" })]);
    expect(JSON.stringify(expired.document)).not.toContain("CallWithBearerToken");
    const otherRegion = compile([entry("e1", SONNET, { apiKeys: true, regions: ["us-west-2"] })]);
    expect(JSON.stringify(otherRegion.document)).not.toContain("CallWithBearerToken");
  });

  it("allows the surface's CallWithBearerToken for the documented token types in the Region", () => {
    const c = compile([entry("e1", SONNET, { apiKeys: true }), entry("e2", HAIKU, { endpoints: ["mantle"] })]);
    expect(sid(c, "ApiKeysRuntime")).toEqual({
      Sid: "ApiKeysRuntime",
      Effect: "Allow",
      Action: ["bedrock:CallWithBearerToken"],
      Resource: ["*"],
      Condition: {
        StringEquals: { "bedrock:bearerTokenType": ["LONG_TERM", "SHORT_TERM"], "aws:RequestedRegion": REGION },
      },
    });
    expect(sid(c, "ApiKeysMantle")).toBeUndefined();
    const mantle = compile([entry("e1", HAIKU, { endpoints: ["mantle"], apiKeys: true })]);
    expect(sid(mantle, "ApiKeysMantle")?.Condition?.StringEquals?.["bedrock-mantle:BearerTokenType"]).toEqual([
      "LONG_TERM",
      "SHORT_TERM",
    ]);
    expect(sid(mantle, "ApiKeysRuntime")).toBeUndefined();
  });

  it("says that IAM cannot scope a key to the entry's models", () => {
    const c = compile([entry("e1", SONNET, { apiKeys: true }), entry("e2", NOVA)]);
    expect(c.warnings.join("\n")).toMatch(/keys also reach the models of entries e2/);
  });
});

// --- Agreement with the engine ---------------------------------------------------------------------

const CATALOG: CatalogEntry[] = [
  entry("sonnet-runtime-keys", SONNET, { apiKeys: true }),
  entry("haiku-mantle", HAIKU, { endpoints: ["mantle"] }),
  entry("gpt-oss-both", GPT_OSS, { endpoints: ["runtime", "mantle"] }),
  entry("nova-eu-only", NOVA, { regions: ["eu-west-1"] }),
  entry("undocumented", UNDOCUMENTED),
];

/** What the catalog says, written independently of the compiler. */
function approved(modelId: string, endpoint: Endpoint): boolean {
  return CATALOG.some(
    (e) =>
      e.model === modelId &&
      (e.endpoints ?? ["runtime"]).includes(endpoint) &&
      (e.regions === undefined || e.regions.includes(REGION)),
  );
}
const keysAllowed = (endpoint: Endpoint) =>
  CATALOG.some((e) => e.apiKeys === true && (e.endpoints ?? ["runtime"]).includes(endpoint));

function pathsOf(modelId: string): CallPath[] {
  const out: CallPath[] = [{ kind: "direct", destinations: [REGION] }];
  for (const p of PROFILES.filter((x) => x.modelId === modelId))
    out.push(
      p.isGlobal
        ? { kind: "global_profile", profileId: p.profileId, destinations: ["*"] }
        : { kind: "profile", profileId: p.profileId, destinations: p.destinationRegions },
    );
  const mantleId = mantleIdOf(
    modelId,
    MANTLE.map((m) => ({ mantleId: m, allowedModes: null })),
  );
  for (const project of ["default", "proj_team1"])
    if (mantleId !== undefined)
      out.push({
        kind: "mantle",
        mantleId,
        projectArn: mantleProjectArn(REGION, ACCOUNT, project),
        destinations: [REGION],
      });
  return out;
}

describe("compileIamPolicy agrees with the engine's call requests", () => {
  const compiled = compile(CATALOG);
  const policies = named(compiled);
  const decide = (reqs: ReturnType<typeof callRequests>) => {
    const decisions = reqs.map((r) => evaluatePolicies(policies, r).decision);
    return decisions.every((d) => d === "allowed") ? "allowed" : decisions.find((d) => d !== "allowed");
  };
  const AUTHS: AuthKind[] = ["sigv4", "api_key_short_term", "api_key_long_term"];

  it("fits managed policies and says what it cannot grant", () => {
    for (const d of compiled.managedPolicies)
      expect(JSON.stringify(d).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    expect(compiled.warnings.join("\n")).toContain(UNDOCUMENTED);
  });

  for (const modelId of [SONNET, HAIKU, COHERE, NOVA, GPT_OSS, UNDOCUMENTED])
    it(`decides every path of ${modelId} as the catalog says`, () => {
      const facts = { accountId: ACCOUNT, region: REGION, modelId, principalArn: `arn:aws:iam::${ACCOUNT}:role/dev` };
      let checked = 0;
      for (const path of pathsOf(modelId))
        for (const auth of AUTHS) {
          const endpoint: Endpoint = path.kind === "mantle" ? "mantle" : "runtime";
          const want = approved(modelId, endpoint) && (auth === "sigv4" || keysAllowed(endpoint));
          const got = decide(callRequests(path, { ...facts, auth }));
          expect(`${path.kind} ${path.profileId ?? path.projectArn ?? ""} ${auth}: ${got}`).toBe(
            `${path.kind} ${path.profileId ?? path.projectArn ?? ""} ${auth}: ${want ? "allowed" : "implicitDeny"}`,
          );
          checked++;
        }
      expect(checked).toBeGreaterThan(0);
      // The first call's Marketplace subscription: allowed for an approved third-party model with a
      // documented product id (the only ones IAM can scope), denied otherwise.
      const product = documentedProductId(modelId);
      const anyPath = approved(modelId, "runtime") || approved(modelId, "mantle");
      const sub = decide(subscribeRequests({ ...facts, auth: "sigv4" }, product));
      const thirdParty = [SONNET, HAIKU, COHERE, UNDOCUMENTED].includes(modelId);
      if (thirdParty) expect(sub).toBe(anyPath && product !== undefined ? "allowed" : "implicitDeny");
    });

  it("the whole document and the managed policies decide alike", () => {
    const whole: NamedPolicy[] = [{ id: "whole", document: parsePolicyDocument(compiled.document) }];
    for (const modelId of [SONNET, HAIKU, COHERE, GPT_OSS])
      for (const path of pathsOf(modelId))
        for (const req of callRequests(path, { accountId: ACCOUNT, region: REGION, modelId, auth: "sigv4" }))
          expect(evaluatePolicies(whole, req).decision).toBe(evaluatePolicies(policies, req).decision);
  });
});

describe("compileIamPolicy: managed-policy size", () => {
  it("splits a large catalog into managed policies of at most 6,144 characters that mean the same", () => {
    const many: ModelFact[] = Array.from({ length: 250 }, (_, i) => ({
      modelId: `vendor${i % 7}.model-number-${i}-v1:0`,
      provider: `Vendor${i % 7}`,
      regions: US,
    }));
    const c = compileIamPolicy({
      accountId: ACCOUNT,
      region: REGION,
      entries: many.map((m, i) => entry(`e${i}`, m.modelId)),
      models: many,
      profiles: [],
      now: NOW,
    });
    expect(JSON.stringify(c.document).length).toBeGreaterThan(MANAGED_POLICY_MAX_CHARACTERS);
    expect(c.managedPolicies.length).toBeGreaterThan(1);
    for (const d of c.managedPolicies)
      expect(JSON.stringify(d).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    const sids = c.managedPolicies.flatMap((d) => d.Statement.map((s) => s.Sid));
    expect(new Set(sids).size).toBe(sids.length);
    expect(c.warnings.join("\n")).toMatch(/attach the \d+ managed policies/);
    const policies = named(c);
    for (const m of [...many, { modelId: "vendor1.unlisted-v1:0" }]) {
      const req = callRequests(
        { kind: "direct", destinations: [REGION] },
        { accountId: ACCOUNT, region: REGION, modelId: m.modelId, auth: "sigv4" },
      )[0];
      if (req === undefined) throw new Error("no request");
      const want = m.modelId.includes("unlisted") ? "implicitDeny" : "allowed";
      expect(evaluatePolicies(policies, req).decision).toBe(want);
    }
  });
});
