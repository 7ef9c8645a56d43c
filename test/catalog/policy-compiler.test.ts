// The policy compiler, checked for meaning with the sandbox's IAM/SCP evaluator: calls are turned
// into the authorization requests Bedrock makes (profile ARN + model ARN per destination Region,
// Region-less ARN for global inference) and every compiled policy set must decide them as the
// catalog says.
import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../../src/modules/catalog/catalog.types.js";
import {
  type CompiledScp,
  compileIamPolicy,
  compileScps,
  geographiesOf,
  type ModelFact,
  PolicyTooLargeError,
  type ProfileFact,
  SCP_MAX_CHARACTERS,
} from "../../src/modules/catalog/policy-compiler.js";
import {
  type EvaluationRequest,
  evaluatePolicies,
  evaluateScps,
  parsePolicyDocument,
} from "../../src/sandbox/index.js";
import { createRng } from "../../src/sandbox/rng.js";

const NOW = new Date("2026-11-24T12:00:00Z");
const ACCOUNT = "111122223333";
const fm = (region: string, id: string) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const ip = (region: string, id: string, account = ACCOUNT) =>
  `arn:aws:bedrock:${region}:${account}:inference-profile/${id}`;

const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0";
const LLAMA = "meta.llama3-3-70b-instruct-v1:0";
const NOVA = "amazon.nova-pro-v1:0";
const DEEPSEEK = "deepseek.r1-v1:0";
const EVERYWHERE = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-3", "ap-northeast-1"];

const MODELS: ModelFact[] = [
  { modelId: SONNET, provider: "Anthropic", regions: EVERYWHERE },
  { modelId: HAIKU, provider: "Anthropic", regions: EVERYWHERE },
  { modelId: LLAMA, provider: "Meta", regions: ["us-east-1", "us-west-2", "eu-west-1"] },
  { modelId: NOVA, provider: "Amazon", regions: ["us-east-1", "eu-west-1"] },
  { modelId: DEEPSEEK, provider: "DeepSeek", regions: ["us-east-1", "us-west-2"] },
];
const US_DEST = ["us-east-1", "us-east-2", "us-west-2"];
const EU_DEST = ["eu-west-1", "eu-central-1", "eu-west-3"];
const PROFILES: ProfileFact[] = [
  { profileId: `us.${SONNET}`, modelId: SONNET, sourceRegions: US_DEST, destinationRegions: US_DEST, isGlobal: false },
  { profileId: `eu.${SONNET}`, modelId: SONNET, sourceRegions: EU_DEST, destinationRegions: EU_DEST, isGlobal: false },
  {
    profileId: `global.${SONNET}`,
    modelId: SONNET,
    sourceRegions: EVERYWHERE,
    destinationRegions: EVERYWHERE,
    isGlobal: true,
  },
  { profileId: `us.${HAIKU}`, modelId: HAIKU, sourceRegions: US_DEST, destinationRegions: US_DEST, isGlobal: false },
  { profileId: `eu.${HAIKU}`, modelId: HAIKU, sourceRegions: EU_DEST, destinationRegions: EU_DEST, isGlobal: false },
];

let seq = 0;
const entry = (model: string, extra: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id: `e${++seq}`,
  model,
  scope: { kind: "organization" },
  owner: "platform@example.com",
  justification: "test",
  ...extra,
});

// --- the requests Bedrock authorizes for one call (as the sandbox's Converse does) ---------------
interface Call {
  region: string;
  model?: string;
  profile?: string;
  action?: string;
}
function requestsFor(call: Call, profiles: readonly ProfileFact[] = PROFILES): EvaluationRequest[] {
  const action = call.action ?? "bedrock:Converse";
  const at = (region: string) => ({ "aws:RequestedRegion": region, "aws:PrincipalAccount": ACCOUNT });
  if (call.model !== undefined) return [{ action, resource: fm(call.region, call.model), context: at(call.region) }];
  const p = profiles.find((x) => x.profileId === call.profile);
  if (p === undefined) throw new Error(`no profile ${call.profile}`);
  const arn = ip(call.region, p.profileId);
  const via = (region: string) => ({ ...at(region), "bedrock:InferenceProfileArn": arn });
  const out: EvaluationRequest[] = [{ action, resource: arn, context: at(call.region) }];
  if (p.isGlobal)
    out.push(
      { action, resource: fm(call.region, p.modelId), context: via(call.region) },
      { action, resource: fm("", p.modelId), context: via("unspecified") },
    );
  else for (const d of p.destinationRegions) out.push({ action, resource: fm(d, p.modelId), context: via(d) });
  return out;
}

const FULL_ACCESS = {
  id: "p-FullAWSAccess",
  document: parsePolicyDocument({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
  }),
};
/** Root with FullAWSAccess; the OU with FullAWSAccess and the compiled SCPs. */
function levels(scps: readonly CompiledScp[]) {
  return [
    { targetId: "r-root", policies: [FULL_ACCESS] },
    {
      targetId: "ou-dev",
      policies: [FULL_ACCESS, ...scps.map((s) => ({ id: s.name, document: parsePolicyDocument(s.content) }))],
    },
  ];
}
const scpAllows = (scps: readonly CompiledScp[], call: Call, profiles?: readonly ProfileFact[]) => {
  const lv = levels(scps);
  return requestsFor(call, profiles).every((r) => evaluateScps(lv, r).decision === "allowed");
};
const scpDecides = (scps: readonly CompiledScp[], req: EvaluationRequest) => evaluateScps(levels(scps), req).decision;

const compile = (entries: CatalogEntry[], models = MODELS, profiles = PROFILES) =>
  compileScps({ target: { kind: "ou", id: "ou-dev" }, entries, models, profiles, now: NOW });

function checkShape(scps: readonly CompiledScp[]) {
  expect(scps.length).toBeGreaterThanOrEqual(1);
  expect(scps.length).toBeLessThanOrEqual(5);
  for (const s of scps) {
    expect(s.content.length).toBeLessThanOrEqual(SCP_MAX_CHARACTERS);
    expect(s.content).not.toMatch(/\s/);
    const doc = parsePolicyDocument(s.content);
    expect(doc.Version).toBe("2012-10-17");
    expect(doc.Statement).toHaveLength(s.statementCount);
    expect(s.name.length).toBeLessThanOrEqual(128);
    expect(s.description.length).toBeLessThanOrEqual(512);
    for (const st of doc.Statement) expect(st.Effect).toBe("Deny");
  }
  expect(new Set(scps.map((s) => s.name)).size).toBe(scps.length);
}

describe("compileScps: allow-list semantics", () => {
  const twoInUsEast1 = [entry(SONNET, { regions: ["us-east-1"] }), entry(NOVA, { regions: ["us-east-1"] })];

  it("allows two models in us-east-1 only: other Regions, other models and global inference are denied", () => {
    const scps = compile(twoInUsEast1);
    checkShape(scps);
    expect(scps).toHaveLength(1);
    for (const action of ["bedrock:Converse", "bedrock:InvokeModel", "bedrock:ConverseStream"]) {
      expect(scpAllows(scps, { region: "us-east-1", model: SONNET, action })).toBe(true);
      expect(scpAllows(scps, { region: "us-east-1", model: NOVA, action })).toBe(true);
    }
    expect(scpAllows(scps, { region: "eu-west-1", model: SONNET })).toBe(false);
    expect(scpAllows(scps, { region: "eu-west-1", model: NOVA })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: HAIKU })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: LLAMA })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: DEEPSEEK })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: "newco.unheard-of-v1:0" })).toBe(false);
    // Global inference: the Region-less ARN is not in the allow-list, with or without a profile.
    expect(
      scpDecides(scps, {
        action: "bedrock:Converse",
        resource: fm("", SONNET),
        context: { "aws:RequestedRegion": "unspecified" },
      }),
    ).toBe("explicitDeny");
    expect(scpAllows(scps, { region: "us-east-1", profile: `global.${SONNET}` })).toBe(false);
    // The us. profile sends traffic to us-east-2 and us-west-2, which the entry does not allow.
    expect(scpAllows(scps, { region: "us-east-1", profile: `us.${SONNET}` })).toBe(false);
    // Non-model Bedrock calls and other services are untouched.
    expect(scpDecides(scps, { action: "bedrock:ListFoundationModels", resource: "*" })).toBe("allowed");
    expect(scpDecides(scps, { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" })).toBe("allowed");
    // Batch and async invocation of an unapproved model are denied too; their job ARNs are not.
    expect(scpDecides(scps, { action: "bedrock:CreateModelInvocationJob", resource: fm("us-east-1", LLAMA) })).toBe(
      "explicitDeny",
    );
    expect(
      scpDecides(scps, {
        action: "bedrock:CreateModelInvocationJob",
        resource: `arn:aws:bedrock:us-east-1:${ACCOUNT}:model-invocation-job/abc`,
      }),
    ).toBe("allowed");
    expect(scpDecides(scps, { action: "bedrock:StartAsyncInvoke", resource: fm("us-east-1", NOVA) })).toBe("allowed");
  });

  it("allows the Region-less ARN only together with an approved global profile", () => {
    const scps = compile([...twoInUsEast1, entry(SONNET, { viaProfiles: [`global.${SONNET}`] })]);
    checkShape(scps);
    expect(scpAllows(scps, { region: "us-east-1", profile: `global.${SONNET}` })).toBe(true);
    expect(scpAllows(scps, { region: "ap-northeast-1", profile: `global.${SONNET}` })).toBe(true);
    // Without the profile (no bedrock:InferenceProfileArn), the Region-less ARN stays closed.
    expect(
      scpDecides(scps, {
        action: "bedrock:InvokeModel",
        resource: fm("", SONNET),
        context: { "aws:RequestedRegion": "unspecified" },
      }),
    ).toBe("explicitDeny");
    // The global profile opens no direct use elsewhere, and not HAIKU's Region-less ARN.
    expect(scpAllows(scps, { region: "ap-northeast-1", model: SONNET })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: SONNET })).toBe(true);
    expect(
      scpDecides(scps, {
        action: "bedrock:InvokeModel",
        resource: fm("", HAIKU),
        context: {
          "aws:RequestedRegion": "unspecified",
          "bedrock:InferenceProfileArn": ip("us-east-1", `global.${SONNET}`),
        },
      }),
    ).toBe("explicitDeny");
  });

  it("treats an entry without Region or geography limits as allowing every profile, global included", () => {
    const scps = compile([entry(SONNET)]);
    for (const region of EVERYWHERE) expect(scpAllows(scps, { region, model: SONNET })).toBe(true);
    expect(scpAllows(scps, { region: "us-east-1", profile: `us.${SONNET}` })).toBe(true);
    expect(scpAllows(scps, { region: "eu-west-1", profile: `global.${SONNET}` })).toBe(true);
    expect(scpAllows(scps, { region: "us-east-1", model: HAIKU })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", profile: `us.${HAIKU}` })).toBe(false);
  });

  it("viaProfiles: direct calls are denied, calls through the named profile allowed, through others denied", () => {
    const scps = compile([entry(SONNET, { viaProfiles: [`eu.${SONNET}`] })]);
    checkShape(scps);
    // The allow-list and the profile-only statement; the other surfaces' statements follow them.
    const sids = parsePolicyDocument(scps[0]?.content ?? "").Statement.map((st) => st.Sid);
    expect(sids.slice(0, 2)).toEqual(["DenyModelsOutsideCatalog", "DenyProfileOnlyModelsOutsideTheirProfiles"]);
    expect(sids.filter((sid) => sid?.startsWith("DenyProfileOnly"))).toHaveLength(1);
    for (const region of EU_DEST) {
      expect(scpAllows(scps, { region, profile: `eu.${SONNET}` })).toBe(true);
      expect(scpAllows(scps, { region, model: SONNET })).toBe(false);
    }
    expect(scpAllows(scps, { region: "us-east-1", profile: `us.${SONNET}` })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", profile: `global.${SONNET}` })).toBe(false);
    expect(scpAllows(scps, { region: "eu-west-1", profile: `eu.${HAIKU}` })).toBe(false);
    // A model ARN in a destination Region reached "through" another profile is denied.
    expect(
      scpDecides(scps, {
        action: "bedrock:InvokeModel",
        resource: fm("eu-west-1", SONNET),
        context: { "aws:RequestedRegion": "eu-west-1", "bedrock:InferenceProfileArn": ip("us-east-1", `us.${SONNET}`) },
      }),
    ).toBe("explicitDeny");
    expect(
      scpDecides(scps, {
        action: "bedrock:InvokeModel",
        resource: fm("eu-west-1", SONNET),
        context: { "aws:RequestedRegion": "eu-west-1", "bedrock:InferenceProfileArn": ip("eu-west-3", `eu.${SONNET}`) },
      }),
    ).toBe("allowed");
  });

  it("viaProfiles next to a direct-use entry keeps the direct Regions open", () => {
    const scps = compile([
      entry(SONNET, { regions: ["eu-west-1"] }),
      entry(SONNET, { viaProfiles: [`eu.${SONNET}`], regions: ["eu-west-1"] }),
    ]);
    expect(scpAllows(scps, { region: "eu-west-1", model: SONNET })).toBe(true);
    expect(scpAllows(scps, { region: "eu-central-1", model: SONNET })).toBe(false);
    expect(scpAllows(scps, { region: "eu-west-1", profile: `eu.${SONNET}` })).toBe(true);
    // The entry limits the profile's source Regions.
    expect(scpAllows(scps, { region: "eu-central-1", profile: `eu.${SONNET}` })).toBe(false);
  });

  it("EU residency: EU profiles allowed, us. and global. profiles and non-EU Regions denied", () => {
    const scps = compile([entry("anthropic.*", { geography: "EU" })]);
    checkShape(scps);
    for (const id of [SONNET, HAIKU]) {
      expect(scpAllows(scps, { region: "eu-west-1", profile: `eu.${id}` })).toBe(true);
      expect(scpAllows(scps, { region: "eu-central-1", model: id })).toBe(true);
      expect(scpAllows(scps, { region: "us-east-1", model: id })).toBe(false);
      expect(scpAllows(scps, { region: "ap-northeast-1", model: id })).toBe(false);
      expect(scpAllows(scps, { region: "us-east-1", profile: `us.${id}` })).toBe(false);
    }
    expect(scpAllows(scps, { region: "eu-west-1", profile: `global.${SONNET}` })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", profile: `global.${SONNET}` })).toBe(false);
    expect(scpAllows(scps, { region: "eu-west-1", model: LLAMA })).toBe(false);
  });

  it("EU residency with viaProfiles: a global profile never satisfies it", () => {
    const scps = compile([
      entry(SONNET, { geography: "EU", viaProfiles: [`eu.${SONNET}`, `global.${SONNET}`, `us.${SONNET}`] }),
    ]);
    expect(scpAllows(scps, { region: "eu-west-1", profile: `eu.${SONNET}` })).toBe(true);
    expect(scpAllows(scps, { region: "eu-west-1", profile: `global.${SONNET}` })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", profile: `us.${SONNET}` })).toBe(false);
    expect(scpAllows(scps, { region: "eu-west-1", model: SONNET })).toBe(false);
  });

  it("expired entries allow nothing", () => {
    const scps = compile([
      entry(SONNET, { expiresAt: "2026-11-24T12:00:00Z" }),
      entry(HAIKU, { expiresAt: "2026-11-24T12:00:01Z" }),
    ]);
    expect(scpAllows(scps, { region: "us-east-1", model: SONNET })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: HAIKU })).toBe(true);
    const none = compile([entry(SONNET, { expiresAt: "2020-01-01T00:00:00Z" })]);
    checkShape(none);
    for (const m of MODELS) expect(scpAllows(none, { region: "us-east-1", model: m.modelId })).toBe(false);
  });

  it("merges Regions and families only where nothing outside the catalog is matched", () => {
    const scps = compile([entry(SONNET), entry(HAIKU), entry(LLAMA, { regions: ["us-east-1", "us-west-2"] })]);
    const doc = parsePolicyDocument(scps[0]?.content ?? "");
    const notResource = doc.Statement[0]?.NotResource as string[];
    // Every known anthropic model allowed everywhere (global too): one wildcard.
    expect(notResource).toContain("arn:aws:bedrock:*::foundation-model/anthropic.*");
    // Llama in every US Region where it exists, but not eu-west-1: a Region-family wildcard.
    expect(notResource).toContain(`arn:aws:bedrock:us-*::foundation-model/${LLAMA}`);
    expect(scpAllows(scps, { region: "eu-west-1", model: LLAMA })).toBe(false);

    // One anthropic model left out: no family wildcard may cover it.
    const partial = compile([entry(SONNET)]);
    expect(partial[0]?.content).not.toContain("anthropic.*");
    expect(scpAllows(partial, { region: "us-east-1", model: HAIKU })).toBe(false);
  });

  it("merges every Region into ?* without opening the Region-less ARN of global inference", () => {
    const scps = compile([entry(LLAMA, { regions: ["us-east-1", "us-west-2", "eu-west-1"] })]);
    expect(scps[0]?.content).toContain(`"arn:aws:bedrock:?*::foundation-model/${LLAMA}"`);
    expect(scpAllows(scps, { region: "eu-west-1", model: LLAMA })).toBe(true);
    expect(
      scpDecides(scps, {
        action: "bedrock:InvokeModel",
        resource: fm("", LLAMA),
        context: { "aws:RequestedRegion": "unspecified" },
      }),
    ).toBe("explicitDeny");
  });

  it("emits pattern entries as wildcard ARNs, scoped to their Regions", () => {
    const scps = compile([entry("amazon.nova-*", { regions: ["us-east-1"] })]);
    expect(scps[0]?.content).toContain('"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-*"');
    expect(scpAllows(scps, { region: "us-east-1", model: NOVA })).toBe(true);
    expect(scpAllows(scps, { region: "us-east-1", model: "amazon.nova-premier-v1:0" })).toBe(true);
    expect(scpAllows(scps, { region: "eu-west-1", model: NOVA })).toBe(false);
    expect(scpAllows(scps, { region: "us-east-1", model: "amazon.titan-text-v1" })).toBe(false);
  });

  it("is deterministic whatever the order of its inputs", () => {
    const entries = [
      entry(SONNET, { viaProfiles: [`eu.${SONNET}`] }),
      entry(LLAMA, { regions: ["us-east-1"] }),
      entry("amazon.*"),
    ];
    const a = compile(entries);
    const b = compile([...entries].reverse(), [...MODELS].reverse(), [...PROFILES].reverse());
    expect(b).toEqual(a);
  });
});

// --- a large organization ------------------------------------------------------------------------
const rng = (seed: number) => createRng(seed).next;
const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "eu-west-3",
  "eu-north-1",
  "ap-northeast-1",
  "ap-southeast-2",
  "ca-central-1",
];
const PROVIDERS: Record<string, string[]> = {
  anthropic: ["claude-3-haiku", "claude-3-5-sonnet", "claude-sonnet-4", "claude-opus-4", "claude-haiku-4-5"],
  amazon: ["nova-micro", "nova-lite", "nova-pro", "titan-text-express", "titan-embed-text"],
  meta: ["llama3-8b-instruct", "llama3-70b-instruct", "llama3-2-11b-instruct", "llama4-maverick"],
  mistral: ["mistral-small", "mistral-large", "pixtral-large", "ministral-8b"],
  cohere: ["command-r", "command-r-plus", "embed-english", "embed-multilingual"],
  ai21: ["jamba-1-5-mini", "jamba-1-5-large", "jamba-instruct"],
  deepseek: ["r1", "v3"],
  qwen: ["qwen3-32b", "qwen3-coder-30b", "qwen3-235b"],
  openai: ["gpt-oss-20b", "gpt-oss-120b"],
};

function largeOrganization() {
  const random = rng(20261124);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const models: ModelFact[] = [];
  let n = 0;
  const names = Object.entries(PROVIDERS);
  while (models.length < 300) {
    const [provider, families] = names[n % names.length] as [string, string[]];
    const family = families[Math.floor(n / names.length) % families.length] as string;
    const id = `${provider}.${family}-${2024 + (n % 3)}${String(100 + n).padStart(4, "0")}-v${1 + (n % 2)}:0`;
    const regions = REGIONS.filter(() => random() < 0.6);
    if (regions.length === 0) regions.push(pick(REGIONS));
    models.push({ modelId: id, provider, regions });
    n++;
  }
  const profiles: ProfileFact[] = [];
  for (const m of models.filter((_, i) => i % 4 === 1)) {
    const us = ["us-east-1", "us-east-2", "us-west-2"];
    const eu = ["eu-west-1", "eu-central-1", "eu-west-3", "eu-north-1"];
    profiles.push({
      profileId: `us.${m.modelId}`,
      modelId: m.modelId,
      sourceRegions: us,
      destinationRegions: us,
      isGlobal: false,
    });
    profiles.push({
      profileId: `eu.${m.modelId}`,
      modelId: m.modelId,
      sourceRegions: eu,
      destinationRegions: eu,
      isGlobal: false,
    });
    if (random() < 0.3)
      profiles.push({
        profileId: `global.${m.modelId}`,
        modelId: m.modelId,
        sourceRegions: REGIONS,
        destinationRegions: REGIONS,
        isGlobal: true,
      });
  }
  const entries: CatalogEntry[] = [];
  const byProvider = (p: string) => models.filter((m) => m.provider === p);
  // Amazon and Qwen: every model approved one by one, everywhere (compacts to a family wildcard).
  for (const m of [...byProvider("amazon"), ...byProvider("qwen")]) entries.push(entry(m.modelId));
  // Anthropic: EU residency for the whole provider, plus a few named EU profiles only.
  entries.push(entry("anthropic.*", { geography: "EU" }));
  // Meta, Mistral, Cohere: a random half, each in a random few Regions (nothing to merge).
  for (const p of ["meta", "mistral", "cohere"])
    for (const m of byProvider(p).filter(() => random() < 0.5)) {
      const regions = m.regions.filter(() => random() < 0.6);
      if (regions.length > 0) entries.push(entry(m.modelId, { regions }));
    }
  // AI21: only through their EU profiles; OpenAI: through US or global profiles.
  for (const p of profiles) {
    if (p.modelId.startsWith("ai21.") && p.profileId.startsWith("eu.") && random() < 0.7)
      entries.push(entry(p.modelId, { viaProfiles: [p.profileId], geography: "EU" }));
    if (p.modelId.startsWith("openai.") && !p.profileId.startsWith("eu.") && random() < 0.6)
      entries.push(entry(p.modelId, { viaProfiles: [p.profileId] }));
  }
  // Expired approvals of DeepSeek: nothing of it may pass.
  for (const m of byProvider("deepseek")) entries.push(entry(m.modelId, { expiresAt: "2026-01-01T00:00:00Z" }));
  return { models, profiles, entries };
}

/** The catalog's meaning, written independently of the compiler. */
function oracle(entries: readonly CatalogEntry[]) {
  const live = entries.filter((e) => e.expiresAt === undefined || Date.parse(e.expiresAt) > NOW.getTime());
  const matches = (pattern: string, id: string) =>
    pattern.endsWith("*") ? id.startsWith(pattern.slice(0, -1)) : pattern === id;
  const inGeo = (e: CatalogEntry, r: string) =>
    e.geography === undefined || (e.geography === "EU" && r.startsWith("eu-"));
  const source = (e: CatalogEntry, r: string) => (e.regions === undefined || e.regions.includes(r)) && inGeo(e, r);
  return {
    direct: (id: string, r: string) =>
      live.some((e) => e.viaProfiles === undefined && matches(e.model, id) && source(e, r)),
    profile: (p: ProfileFact, r: string) =>
      live.some((e) => {
        if (!matches(e.model, p.modelId) || !source(e, r)) return false;
        if (e.viaProfiles !== undefined)
          return (
            e.viaProfiles.includes(p.profileId) &&
            !(p.isGlobal && e.geography !== undefined) &&
            p.destinationRegions.every((d) => inGeo(e, d))
          );
        return p.isGlobal
          ? e.regions === undefined && e.geography === undefined
          : p.destinationRegions.every((d) => source(e, d));
      }),
  };
}

describe("compileScps: a 300-model catalog", () => {
  const org = largeOrganization();
  const scps = compileScps({
    target: { kind: "ou", id: "ou-big" },
    entries: org.entries,
    models: org.models,
    profiles: org.profiles,
    now: NOW,
  });

  it("compiles to at most 5 valid minified policies under 5,120 characters each", () => {
    expect(org.models).toHaveLength(300);
    expect(new Set(org.models.map((m) => m.provider)).size).toBe(9);
    checkShape(scps);
    expect(scps.length).toBeGreaterThan(1); // the split is exercised
    const sizes = scps.map((s) => s.content.length);
    console.log(
      `300 models, ${org.profiles.length} profiles, ${org.entries.length} entries → ${scps.length} SCPs: ${sizes.join(", ")} characters`,
    );
    for (const s of scps) expect(s.description).toMatch(/Part \d of \d/);
    console.log(scps.map((s) => `${s.name}: ${s.description}`).join("\n"));
  });

  it("agrees with the catalog on a large random sample of calls (so the split is exact)", () => {
    const truth = oracle(org.entries);
    const random = rng(7);
    let checked = 0;
    let allowed = 0;
    for (let i = 0; i < 4000; i++) {
      const m = org.models[Math.floor(random() * org.models.length)] as ModelFact;
      const region = m.regions[Math.floor(random() * m.regions.length)] as string;
      const expected = truth.direct(m.modelId, region);
      expect(scpAllows(scps, { region, model: m.modelId }, org.profiles), `${m.modelId} in ${region}`).toBe(expected);
      checked++;
      if (expected) allowed++;
    }
    for (let i = 0; i < 1500; i++) {
      const p = org.profiles[Math.floor(random() * org.profiles.length)] as ProfileFact;
      const region = p.sourceRegions[Math.floor(random() * p.sourceRegions.length)] as string;
      const expected = truth.profile(p, region);
      expect(scpAllows(scps, { region, profile: p.profileId }, org.profiles), `${p.profileId} from ${region}`).toBe(
        expected,
      );
      checked++;
      if (expected) allowed++;
    }
    // Both outcomes are well represented, so the agreement means something.
    expect(allowed).toBeGreaterThan(checked * 0.15);
    expect(allowed).toBeLessThan(checked * 0.85);
    // A provider absent from the catalog, and global inference without a global profile.
    expect(scpAllows(scps, { region: "us-east-1", model: "newco.model-v1:0" }, org.profiles)).toBe(false);
    const anthropic = org.models.find((m) => m.provider === "anthropic") as ModelFact;
    expect(
      scpDecides(scps, {
        action: "bedrock:InvokeModel",
        resource: fm("", anthropic.modelId),
        context: { "aws:RequestedRegion": "unspecified" },
      }),
    ).toBe("explicitDeny");
  });

  it("respects a smaller policy budget, or says it cannot", () => {
    const input = { target: { kind: "ou" as const, id: "ou-big" }, ...org, now: NOW };
    expect(() => compileScps({ ...input, maxPolicies: 1 })).toThrow(PolicyTooLargeError);
  });
});

describe("compileScps: one provider larger than a policy", () => {
  it("splits the provider on its ids across policies and still means exactly the catalog", () => {
    const models: ModelFact[] = [];
    const entries: CatalogEntry[] = [];
    for (let i = 0; i < 160; i++) {
      const id = `vendor.model-${i}-v1:0`;
      models.push({ modelId: id, provider: "vendor", regions: ["us-east-1", "eu-west-1"] });
      // Every other model, alternating Regions: no Region merge, no family wildcard.
      if (i % 2 === 0) entries.push(entry(id, { regions: [i % 4 === 0 ? "us-east-1" : "eu-west-1"] }));
    }
    const scps = compileScps({ target: { kind: "ou", id: "ou-v" }, entries, models, profiles: [], now: NOW });
    checkShape(scps);
    expect(scps.length).toBeGreaterThan(1);
    expect(scps.map((s) => s.description).join(" ")).toMatch(/foundation-model\/vendor\.model-\d/);
    for (const m of models)
      for (const region of m.regions) {
        const i = Number(m.modelId.split("-")[1]);
        const expected = i % 2 === 0 && region === (i % 4 === 0 ? "us-east-1" : "eu-west-1");
        expect(scpAllows(scps, { region, model: m.modelId }, []), `${m.modelId} in ${region}`).toBe(expected);
      }
  });
});

describe("compileScps: a catalog that cannot fit", () => {
  it("throws PolicyTooLargeError naming the target, the size and what to do", () => {
    const models: ModelFact[] = [];
    const entries: CatalogEntry[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = `vendor${i % 7}.model-${i}-v1:0`;
      models.push({ modelId: id, provider: `vendor${i % 7}`, regions: REGIONS });
      entries.push(entry(id, { regions: [REGIONS[i % REGIONS.length] as string] }));
    }
    const run = () =>
      compileScps({ target: { kind: "account", id: "123456789012" }, entries, models, profiles: [], now: NOW });
    expect(run).toThrow(PolicyTooLargeError);
    try {
      run();
    } catch (err) {
      const e = err as PolicyTooLargeError;
      expect(e.characters).toBeGreaterThan(5 * SCP_MAX_CHARACTERS);
      expect(e.message).toContain("account 123456789012");
      expect(e.message).toContain(String(e.characters));
      expect(e.message).toMatch(/pattern entries/);
    }
  });
});

describe("geography table", () => {
  it("maps Region prefixes, with Japan and Australia inside APAC and GovCloud outside US", () => {
    expect(geographiesOf("eu-west-2")).toEqual(["EU"]);
    expect(geographiesOf("us-east-1")).toEqual(["US"]);
    expect(geographiesOf("us-gov-west-1")).toEqual(["GOV"]);
    expect(geographiesOf("ap-northeast-1")).toEqual(["APAC", "JP"]);
    expect(geographiesOf("ap-southeast-2")).toEqual(["APAC", "AU"]);
    expect(geographiesOf("ap-south-1")).toEqual(["APAC"]);
    expect(geographiesOf("ca-central-1")).toEqual(["CA"]);
    expect(geographiesOf("sa-east-1")).toEqual(["SA"]);
    expect(geographiesOf("me-central-1")).toEqual([]);
  });
});

// --- IAM ---------------------------------------------------------------------------------------------
const iamAllows = (document: object, call: Call) => {
  const policies = [{ id: "role", document: parsePolicyDocument(document) }];
  return requestsFor(call).every((r) => evaluatePolicies(policies, r).decision === "allowed");
};
const iam = (entries: CatalogEntry[], region = "us-east-1") =>
  compileIamPolicy({ accountId: ACCOUNT, region, entries, models: MODELS, profiles: PROFILES, now: NOW });

describe("compileIamPolicy", () => {
  it("for an approved cross-Region profile, allows the profile ARN and the model in every destination Region", () => {
    const { document, warnings } = iam([entry(SONNET, { viaProfiles: [`us.${SONNET}`] })]);
    const text = JSON.stringify(document);
    expect(text).toContain(ip("us-east-1", `us.${SONNET}`));
    for (const d of US_DEST) expect(text).toContain(fm(d, SONNET));
    expect(warnings).toEqual([]);
    expect(iamAllows(document, { region: "us-east-1", profile: `us.${SONNET}` })).toBe(true);
    // Only through that profile: direct calls are not allowed by this policy.
    expect(iamAllows(document, { region: "us-east-1", model: SONNET })).toBe(false);
    const st = document.Statement.find((s) => s.Sid === "ViaProfile1");
    expect(st?.Condition).toEqual({ StringEquals: { "bedrock:InferenceProfileArn": ip("us-east-1", `us.${SONNET}`) } });
    expect(st?.Resource).toEqual(US_DEST.map((d) => fm(d, SONNET)).sort());
  });

  it("for a direct-use entry, allows the model in the Region and its profiles that stay inside the entry", () => {
    const { document } = iam([entry(SONNET, { regions: US_DEST })]);
    expect(iamAllows(document, { region: "us-east-1", model: SONNET })).toBe(true);
    expect(iamAllows(document, { region: "us-east-1", profile: `us.${SONNET}` })).toBe(true);
    expect(iamAllows(document, { region: "us-east-1", profile: `global.${SONNET}` })).toBe(false);
    expect(iamAllows(document, { region: "us-east-1", model: HAIKU })).toBe(false);
    expect(JSON.stringify(document)).not.toContain("eu-west-1");
  });

  it("global profile: Region-less model ARN only with aws:RequestedRegion = unspecified", () => {
    const { document } = iam([entry(SONNET, { viaProfiles: [`global.${SONNET}`] })], "eu-west-1");
    const text = JSON.stringify(document);
    expect(text).toContain(ip("eu-west-1", `global.${SONNET}`));
    expect(text).toContain(fm("", SONNET));
    expect(iamAllows(document, { region: "eu-west-1", profile: `global.${SONNET}` })).toBe(true);
    const regionless = document.Statement.find((s) => s.Resource.includes(fm("", SONNET)));
    expect(regionless?.Condition?.StringEquals?.["aws:RequestedRegion"]).toBe("unspecified");
    const policies = [{ id: "role", document: parsePolicyDocument(document) }];
    expect(
      evaluatePolicies(policies, {
        action: "bedrock:InvokeModel",
        resource: fm("", SONNET),
        context: {
          "aws:RequestedRegion": "eu-west-1",
          "bedrock:InferenceProfileArn": ip("eu-west-1", `global.${SONNET}`),
        },
      }).decision,
    ).toBe("implicitDeny");

    // An unrestricted direct-use entry allows the global profile without a profile condition.
    const open = iam([entry(SONNET)], "eu-west-1").document;
    expect(iamAllows(open, { region: "eu-west-1", profile: `global.${SONNET}` })).toBe(true);
    // SONNET is sold through AWS Marketplace: its first call may subscribe (product-scoped).
    expect(open.Statement.map((s) => s.Sid)).toEqual([
      "ApprovedModels",
      "GlobalInference",
      "MarketplaceSubscribe",
      "MarketplaceViewSubscriptions",
    ]);
  });

  it("is deterministic, sorted, without duplicate ARNs, with a unique Sid per statement", () => {
    const entries = [
      entry(SONNET, { viaProfiles: [`us.${SONNET}`, `global.${SONNET}`] }),
      entry(HAIKU, { regions: US_DEST }),
      entry(HAIKU),
      entry(NOVA, { regions: ["us-east-1"] }),
      entry("meta.*", { regions: ["us-east-1"] }),
    ];
    const a = iam(entries);
    const b = compileIamPolicy({
      accountId: ACCOUNT,
      region: "us-east-1",
      entries: [...entries].reverse(),
      models: [...MODELS].reverse(),
      profiles: [...PROFILES].reverse(),
      now: NOW,
    });
    expect(b).toEqual(a);
    const doc = a.document;
    expect(doc.Version).toBe("2012-10-17");
    const sids = doc.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const sid of sids) expect(sid).toMatch(/^[A-Za-z0-9]+$/);
    const runtime = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith("bedrock:")));
    for (const s of doc.Statement) expect(s.Resource).toEqual([...new Set(s.Resource)].sort());
    for (const s of runtime) {
      expect(s.Action).toEqual([
        "bedrock:Converse",
        "bedrock:ConverseStream",
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
      ]);
    }
    // An ARN allowed outright is not repeated under a condition (conditional statements may share
    // an ARN: the us. and the global profile both reach SONNET in us-east-1).
    const plain = new Set(doc.Statement.find((s) => s.Sid === "ApprovedModels")?.Resource);
    for (const s of runtime.filter((x) => x.Condition !== undefined))
      for (const arn of s.Resource) expect(plain.has(arn)).toBe(false);
    const all = doc.Statement.flatMap((s) => s.Resource);
    expect(all).toContain(fm("us-east-1", "meta.*"));
    parsePolicyDocument(doc);
  });

  it("warns about what it leaves out", () => {
    const { document, warnings } = iam(
      [
        entry(DEEPSEEK, { regions: ["eu-west-1"] }),
        entry(SONNET, { viaProfiles: ["us.nonexistent-profile"] }),
        entry(HAIKU, { expiresAt: "2026-01-01T00:00:00Z" }),
      ],
      "eu-west-1",
    );
    expect(warnings.join("\n")).toMatch(/us\.nonexistent-profile is not in the inventory/);
    expect(warnings.join("\n")).toMatch(/expired/);
    expect(warnings.join("\n")).toMatch(/deepseek\.r1-v1:0 is not offered in eu-west-1/);
    expect(warnings.join("\n")).toMatch(/nothing in the catalog is approved/);
    expect(document.Statement).toEqual([
      expect.objectContaining({ Sid: "NoApprovedModels", Effect: "Deny", Resource: ["*"] }),
    ]);
  });
});
