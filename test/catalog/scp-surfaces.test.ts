// The compiled SCPs on every surface a model can be called through: bedrock-runtime (direct,
// geographic and global profiles), bedrock-mantle, Claude Platform on AWS and long-term Bedrock API
// keys. A generated 300-model catalog over an organization (root, OUs, accounts) is compiled for
// every node as remediation would attach it; random calls are turned into the requests the engine
// authorizes (call-requests.ts) and decided with the policy evaluator over root → OU → account.
// Every decision must be the catalog's reading of the path (reconcile's approvingEntries, and for
// API keys an entry allowing them in the Region).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateScps, type NamedPolicy, parsePolicyDocument, type ScpLevel } from "../../src/lib/policy-evaluator.js";
import type { CatalogEntry } from "../../src/modules/catalog/catalog.types.js";
import { entryAllowsRegion, entryAppliesTo } from "../../src/modules/catalog/catalog-scope.js";
import { AllowIndex, isExpired } from "../../src/modules/catalog/grants.js";
import {
  type CompiledScp,
  compileScps,
  MAX_SCPS_PER_TARGET,
  type ModelFact,
  PolicyTooLargeError,
  type ProfileFact,
  SCP_MAX_CHARACTERS,
} from "../../src/modules/catalog/policy-compiler.js";
import { StatementTooLargeError } from "../../src/modules/catalog/scp-compiler.js";
import { allowsEndpoint, mantleIdFor } from "../../src/modules/catalog/scp-surfaces.js";
import { callRequests, claudeWorkspaceArn, mantleProjectArn } from "../../src/modules/reachability/call-requests.js";
import type { AuthKind, CallPath } from "../../src/modules/reachability/reachability.types.js";
import { approvingEntries } from "../../src/modules/reconcile/reconcile.js";
import { createRng } from "../../src/sandbox/rng.js";

const NOW = new Date("2026-12-06T12:00:00Z");
const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "eu-west-3",
  "eu-north-1",
  "ap-northeast-1",
];
const US = ["us-east-1", "us-east-2", "us-west-2"];
const EU = ["eu-west-1", "eu-central-1", "eu-west-3", "eu-north-1"];
const PROVIDERS: Record<string, string[]> = {
  anthropic: ["claude-sonnet", "claude-haiku", "claude-opus"],
  amazon: ["nova-pro", "nova-lite", "titan-text"],
  meta: ["llama4-scout", "llama3-3-instruct"],
  mistral: ["mistral-large", "pixtral"],
  cohere: ["command-r", "embed"],
  ai21: ["jamba"],
  openai: ["gpt-oss"],
  qwen: ["qwen3-coder", "qwen3"],
  deepseek: ["r1", "v3"],
  writer: ["palmyra"],
};

const rng = (seed: number) => createRng(seed).next;

interface Org {
  models: ModelFact[];
  profiles: ProfileFact[];
  /** Bedrock model id → the id bedrock-mantle serves it under. */
  mantle: Map<string, string>;
  entries: CatalogEntry[];
  ous: string[];
  accounts: { id: string; ou: string }[];
}

function organization(): Org {
  const random = rng(20261206);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  const models: ModelFact[] = [];
  const mantle = new Map<string, string>();
  const names = Object.entries(PROVIDERS);
  for (let n = 0; models.length < 300; n++) {
    const [provider, families] = names[n % names.length] as [string, string[]];
    const family = families[Math.floor(n / names.length) % families.length] as string;
    const base = `${provider}.${family}-${100 + n}`;
    // Two id styles: a dated `-YYYYMMDD-v1:0` and a plain `-1:0` version suffix.
    const id = n % 2 === 0 ? `${base}-2025${String(101 + (n % 9)).padStart(4, "0")}-v1:0` : `${base}-1:0`;
    const regions = REGIONS.filter(() => random() < 0.6);
    if (regions.length === 0) regions.push(pick(REGIONS));
    models.push({ modelId: id, provider, regions });
    if (n % 3 !== 2) mantle.set(id, base);
  }
  const profiles: ProfileFact[] = [];
  for (const m of models.filter((_, i) => i % 4 === 1)) {
    const geo = (g: string, regions: string[]) => ({
      profileId: `${g}.${m.modelId}`,
      modelId: m.modelId,
      sourceRegions: regions,
      destinationRegions: regions,
      isGlobal: false,
    });
    profiles.push(geo("us", US), geo("eu", EU));
    if (random() < 0.4)
      profiles.push({
        profileId: `global.${m.modelId}`,
        modelId: m.modelId,
        sourceRegions: REGIONS,
        destinationRegions: REGIONS,
        isGlobal: true,
      });
  }
  const ous = ["ou-big-research", "ou-big-prod0001", "ou-big-sandbox1", "ou-big-regulated"];
  const accounts = ous.flatMap((ou, i) =>
    [0, 1, 2].map((j) => ({ id: String(100000000000 + i * 10 + j).padStart(12, "0"), ou })),
  );
  const entries: CatalogEntry[] = [];
  let seq = 0;
  const add = (model: string, scope: CatalogEntry["scope"], extra: Partial<CatalogEntry> = {}) =>
    entries.push({ id: `e${++seq}`, model, scope, owner: "platform", justification: "test", ...extra });
  const org = { kind: "organization" } as const;
  const ou = (id: string) => ({ kind: "ou", id }) as const;
  const account = (id: string) => ({ kind: "account", id }) as const;
  const byProvider = (p: string) => models.filter((m) => m.provider === p);
  // Organization: Amazon one by one everywhere (runtime and mantle); Anthropic in the EU; Qwen on
  // mantle only; DeepSeek nowhere.
  for (const m of byProvider("amazon")) add(m.modelId, org, { endpoints: ["runtime", "mantle"] });
  add("anthropic.*", org, { geography: "EU", endpoints: ["runtime", "mantle"], retentionModes: ["none"] });
  add("qwen.*", org, { endpoints: ["mantle"] });
  // Research: a random half of Meta/Mistral/Cohere in a few Regions, some on mantle too; Claude
  // Platform for Anthropic in the US; API keys.
  for (const p of ["meta", "mistral", "cohere"])
    for (const m of byProvider(p).filter(() => random() < 0.5)) {
      const regions = m.regions.filter(() => random() < 0.6);
      if (regions.length === 0) continue;
      add(m.modelId, ou(ous[0] as string), {
        regions,
        ...(random() < 0.4 ? { endpoints: ["runtime", "mantle"] as const } : {}),
        ...(random() < 0.3 ? { retentionModes: ["default", "none"] as const } : {}),
      });
    }
  add("anthropic.*", ou(ous[0] as string), { geography: "US", endpoints: ["runtime", "claude_platform"] });
  add("writer.*", ou(ous[0] as string), { apiKeys: true, regions: ["us-east-1", "eu-west-1"] });
  // Prod: AI21 only through EU profiles, OpenAI through US or global profiles; OpenAI on mantle.
  for (const p of profiles) {
    if (p.modelId.startsWith("ai21.") && p.profileId.startsWith("eu.") && random() < 0.7)
      add(p.modelId, ou(ous[1] as string), { viaProfiles: [p.profileId], geography: "EU" });
    if (p.modelId.startsWith("openai.") && !p.profileId.startsWith("eu.") && random() < 0.6)
      add(p.modelId, ou(ous[1] as string), { viaProfiles: [p.profileId] });
  }
  add("openai.*", ou(ous[1] as string), { endpoints: ["mantle"], regions: ["us-east-1", "us-west-2"] });
  add("amazon.*", ou(ous[1] as string), { apiKeys: true });
  // Sandbox: Claude Platform everywhere; an expired grant of DeepSeek.
  add("anthropic.*", ou(ous[2] as string), { endpoints: ["claude_platform"] });
  add("deepseek.*", ou(ous[2] as string), { expiresAt: "2026-11-01T00:00:00Z", apiKeys: true });
  // Account-level grants: a few exact models, some on mantle in one Region.
  for (const a of accounts.filter((_, i) => i % 2 === 0)) {
    const m = pick(models.filter((x) => x.provider === "mistral" || x.provider === "meta"));
    add(m.modelId, account(a.id), {
      regions: [m.regions[0] as string],
      endpoints: random() < 0.5 ? ["runtime", "mantle"] : ["mantle"],
    });
  }
  return { models, profiles, mantle, entries, ous, accounts };
}

const FULL_ACCESS: NamedPolicy = {
  id: "p-FullAWSAccess",
  document: parsePolicyDocument({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
  }),
};

/** The entries an SCP on a node must allow (at or above it, or anywhere below it), as remediation does. */
function entriesFor(org: Org, node: string): CatalogEntry[] {
  const below = new Set<string>(
    node === "r-big"
      ? [...org.ous, ...org.accounts.map((a) => a.id)]
      : org.accounts.filter((a) => a.ou === node).map((a) => a.id),
  );
  const lineage = node === "r-big" ? [node] : org.ous.includes(node) ? [node, "r-big"] : [node];
  const account = org.accounts.find((a) => a.id === node);
  if (account) lineage.push(account.ou, "r-big");
  return org.entries.filter(
    (e) => e.scope.kind === "organization" || lineage.includes(e.scope.id) || below.has(e.scope.id),
  );
}

/** The entries of each account a node governs (its own lineage's), as remediation passes them. */
function retentionGroupsFor(org: Org, node: string): CatalogEntry[][] {
  const accounts = org.accounts.filter((a) => node === "r-big" || a.ou === node || a.id === node);
  return accounts.map((a) => org.entries.filter((e) => entryAppliesTo(e, [a.id, a.ou, "r-big"])));
}

/**
 * The catalog's reading of a retention write, written out from the README (not the compiler's
 * helper): entries applying in the Region grouped by model; a model is pinned when every entry for
 * it names retentionModes; the mode must be one every pinned model allows.
 */
function retentionAllowed(entries: readonly CatalogEntry[], region: string, mode: string): boolean {
  const byModel = new Map<string, CatalogEntry[]>();
  for (const e of entries.filter((x) => entryAllowsRegion(x, region)))
    byModel.set(e.model, [...(byModel.get(e.model) ?? []), e]);
  return [...byModel.values()]
    .filter((g) => g.every((e) => e.retentionModes !== undefined))
    .every((g) => g.some((e) => (e.retentionModes as string[]).includes(mode)));
}

describe("compiled SCPs on every surface: a 300-model catalog over an organization", () => {
  const org = organization();
  const mantleModels = [...new Set(org.mantle.values())];
  const nodes = ["r-big", ...org.ous, ...org.accounts.map((a) => a.id)];
  const compiled = new Map<string, CompiledScp[]>();
  for (const node of nodes) {
    const kind = node === "r-big" ? "root" : org.ous.includes(node) ? "ou" : "account";
    compiled.set(
      node,
      compileScps({
        target: { kind, id: node },
        entries: entriesFor(org, node),
        models: org.models,
        profiles: org.profiles,
        mantleModels,
        retentionGroups: retentionGroupsFor(org, node),
        now: NOW,
      }),
    );
  }

  it("stays under 5,120 characters per SCP and at most 5 SCPs per target, every surface covered", () => {
    // AWS's limits, as literals: the compiler's constants must say the same.
    expect(SCP_MAX_CHARACTERS).toBe(5120);
    expect(MAX_SCPS_PER_TARGET).toBe(5);
    expect(org.models).toHaveLength(300);
    expect(new Set(org.models.map((m) => m.provider)).size).toBe(10);
    const sizes = [...compiled.values()].flat().map((s) => s.content.length);
    for (const [node, scps] of compiled) {
      expect(scps.length, node).toBeGreaterThanOrEqual(1);
      expect(scps.length, node).toBeLessThanOrEqual(5);
      for (const s of scps) expect(s.content.length, s.name).toBeLessThanOrEqual(5120);
    }
    const all = (node: string) => (compiled.get(node) ?? []).map((s) => s.content).join("");
    // The root allows API keys and Claude Platform somewhere below it: no deny of either there.
    expect(all("r-big")).toContain("bedrock-mantle:CreateInference");
    expect(all("r-big")).not.toContain("aws-external-anthropic");
    // Regulated OU: no entry allows Claude Platform or API keys.
    const regulated = all("ou-big-regulated");
    expect(regulated).toContain('"Action":"aws-external-anthropic:*","Resource":"*"}');
    expect(regulated).toContain('"bedrock:bearerTokenType":"LONG_TERM"');
    expect(regulated).toContain('"bedrock-mantle:BearerTokenType":"LONG_TERM"');
    expect(regulated).toContain('"iam:ServiceSpecificCredentialServiceName":"bedrock.amazonaws.com"');
    expect(Math.max(...(compiled.get("r-big") ?? []).map((s) => s.content.length))).toBeGreaterThan(4000);
    // Retention: Anthropic is pinned to `none` in the EU by an organization entry, so every
    // target carries the pin on both endpoints' PutAccountDataRetention, Region-limited to the EU
    // where no OU frees the model (the sandbox OU's Claude Platform entry pins nothing).
    const pin = (node: string) =>
      (compiled.get(node) ?? [])
        .flatMap((s) => parsePolicyDocument(s.content).Statement as unknown as Record<string, unknown>[])
        .filter((st) => String(st.Sid).startsWith("PinDataRetentionModes"));
    expect(pin("ou-big-regulated")).toEqual([
      {
        Sid: "PinDataRetentionModesR1",
        Effect: "Deny",
        Action: ["bedrock-mantle:PutAccountDataRetention", "bedrock:PutAccountDataRetention"],
        Resource: "*",
        Condition: {
          StringEquals: { "aws:RequestedRegion": ["eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"] },
          StringNotEquals: { "bedrock:DataRetentionMode": ["none"], "bedrock-mantle:DataRetentionMode": ["none"] },
        },
      },
    ]);
    expect(pin("ou-big-sandbox1")).toEqual([]);
    console.log(
      `${nodes.length} targets, ${sizes.length} SCPs (root: ${compiled.get("r-big")?.length}), largest ${Math.max(...sizes)} characters, ` +
        `root sizes ${(compiled.get("r-big") ?? []).map((s) => s.content.length).join(", ")}`,
    );
  });

  it("agrees with the catalog's reading on 10,000 sampled calls across all paths", () => {
    const random = rng(6122026);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
    const levelsOf = (account: { id: string; ou: string }): ScpLevel[] =>
      ["r-big", account.ou, account.id].map((node) => ({
        targetId: node,
        policies: [
          FULL_ACCESS,
          ...(compiled.get(node) ?? []).map((s) => ({ id: s.name, document: parsePolicyDocument(s.content) })),
        ],
      }));
    const live = org.entries.filter((e) => !isExpired(e, NOW));
    const contexts = new Map(
      org.accounts.map((a) => {
        const entries = live.filter((e) => entryAppliesTo(e, [a.id, a.ou, "r-big"]));
        const index = new AllowIndex({
          entries: entries.filter((e) => allowsEndpoint(e, "runtime")),
          models: org.models,
          profiles: org.profiles,
          now: NOW,
        });
        return [a.id, { entries, index, profileSources: index.profileSources(), levels: levelsOf(a) }];
      }),
    );
    const mantleServed = org.models.filter((m) => org.mantle.has(m.modelId));
    const anthropic = org.models.filter((m) => m.provider === "anthropic");
    const kinds = [
      "direct",
      "profile",
      "global_profile",
      "mantle",
      "claude_platform",
      "api_key",
      "retention_put",
    ] as const;
    const tally = new Map<string, { allowed: number; denied: number }>();
    const disagreements: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const account = pick(org.accounts);
      const ctx = contexts.get(account.id) as NonNullable<ReturnType<typeof contexts.get>>;
      const kind = pick(kinds);
      if (kind === "retention_put") {
        // PutAccountDataRetention on either endpoint, with the mode in its condition key.
        const region = pick(REGIONS);
        const mode = pick(["default", "inherit", "none", "provider_data_share"]);
        const prefix = pick(["bedrock", "bedrock-mantle"]);
        const request = {
          action: `${prefix}:PutAccountDataRetention`,
          resource: "*",
          context: { "aws:RequestedRegion": region, [`${prefix}:DataRetentionMode`]: mode },
        };
        const scp = evaluateScps(ctx.levels, request).decision === "allowed";
        const intent = retentionAllowed(ctx.entries, region, mode);
        const t = tally.get(kind) ?? { allowed: 0, denied: 0 };
        t[intent ? "allowed" : "denied"]++;
        tally.set(kind, t);
        if (scp !== intent)
          disagreements.push(`${kind} ${prefix} ${account.id} ${region} ${mode}: SCPs ${scp}, catalog ${intent}`);
        continue;
      }
      let auth: AuthKind = "sigv4";
      let path: CallPath;
      let modelId: string;
      let region: string;
      if (kind === "profile" || kind === "global_profile") {
        const p = pick(org.profiles.filter((x) => x.isGlobal === (kind === "global_profile")));
        modelId = p.modelId;
        region = pick(p.sourceRegions);
        path = { kind, profileId: p.profileId, destinations: p.isGlobal ? ["*"] : p.destinationRegions };
      } else if (kind === "mantle") {
        const m = pick(mantleServed);
        modelId = m.modelId;
        region = pick(m.regions);
        const mantleId = mantleIdFor(m.modelId, mantleModels);
        expect(mantleId).toBe(org.mantle.get(m.modelId));
        path = { kind, mantleId, projectArn: mantleProjectArn(region, account.id, "proj_x"), destinations: [region] };
      } else if (kind === "claude_platform") {
        const m = pick(anthropic);
        modelId = m.modelId;
        region = pick(REGIONS);
        path = { kind, workspaceArn: claudeWorkspaceArn(region, account.id, "wrkspc_x"), destinations: [region] };
      } else {
        const m = pick(org.models);
        modelId = m.modelId;
        region = pick(m.regions);
        if (kind === "api_key" && random() < 0.5 && org.mantle.has(m.modelId)) {
          const mantleId = mantleIdFor(m.modelId, mantleModels);
          path = {
            kind: "mantle",
            mantleId,
            projectArn: mantleProjectArn(region, account.id, "p"),
            destinations: [region],
          };
        } else path = { kind: "direct", destinations: [region] };
        if (kind === "api_key") auth = "api_key_long_term";
      }
      const requests = callRequests(path, { accountId: account.id, region, modelId, auth });
      const scp = requests.every((r) => evaluateScps(ctx.levels, r).decision === "allowed");
      const approved = approvingEntries({ path }, modelId, region, ctx).length > 0;
      const keysAllowed = ctx.entries.some((e) => e.apiKeys === true && entryAllowsRegion(e, region));
      const intent = approved && (auth === "sigv4" || keysAllowed);
      const t = tally.get(kind) ?? { allowed: 0, denied: 0 };
      t[intent ? "allowed" : "denied"]++;
      tally.set(kind, t);
      if (scp !== intent)
        disagreements.push(`${kind} ${path.kind} ${account.id} ${region} ${modelId}: SCPs ${scp}, catalog ${intent}`);
    }
    console.log(
      `10,000 decisions: ${[...tally].map(([k, t]) => `${k} ${t.allowed} allowed / ${t.denied} denied`).join("; ")}; ` +
        `${disagreements.length} disagreements`,
    );
    expect(disagreements.slice(0, 10)).toEqual([]);
    // Every path kind decides both ways often enough for the agreement to mean something.
    for (const kind of kinds) {
      const t = tally.get(kind) ?? { allowed: 0, denied: 0 };
      expect(t.allowed, `${kind} allowed`).toBeGreaterThan(100);
      expect(t.denied, `${kind} denied`).toBeGreaterThan(100);
    }
  });

  it("refuses a catalog whose bedrock-mantle list cannot fit in one policy, naming the statement", () => {
    // 300 of 400 long model ids approved one by one on mantle: no provider is covered whole, so
    // nothing merges, and the list is three times what a policy holds.
    const models: ModelFact[] = Array.from({ length: 400 }, (_, i) => ({
      modelId: `vendor${i % 5}.a-model-with-a-rather-long-family-name-${i}-v1:0`,
      provider: `vendor${i % 5}`,
      regions: ["us-east-1"],
    }));
    const entries: CatalogEntry[] = models
      .filter((_, i) => i % 4 !== 0)
      .map((m, i) => ({
        id: `m${i}`,
        model: m.modelId,
        scope: { kind: "organization" },
        endpoints: ["mantle"],
        owner: "platform",
        justification: "test",
      }));
    const compile = () =>
      compileScps({
        target: { kind: "ou", id: "ou-big-research" },
        entries,
        models,
        profiles: [],
        now: NOW,
      });
    expect(compile).toThrow(StatementTooLargeError);
    expect(compile).toThrow(PolicyTooLargeError);
    expect(compile).toThrow(/DenyMantleModelsOutsideCatalog alone needs \d+ characters/);
  });
});

describe("surface statements in AWS's own shapes (aws-samples/service-control-policy-examples)", () => {
  const example = (name: string) =>
    parsePolicyDocument(
      readFileSync(
        new URL(`../fixtures/aws-scp-examples/Service-specific-controls/Amazon-Bedrock/${name}`, import.meta.url),
        "utf8",
      ),
    );
  const withoutSid = (st: Record<string, unknown>) => {
    const { Sid: _sid, ...rest } = st;
    return rest;
  };
  const compiled = (entries: CatalogEntry[]) =>
    compileScps({ target: { kind: "ou", id: "ou-x" }, entries, models: [], profiles: [], now: NOW }).flatMap(
      (s) => parsePolicyDocument(s.content).Statement as unknown as Record<string, unknown>[],
    );
  const only = (extra: Partial<CatalogEntry>): CatalogEntry[] => [
    { id: "e1", model: "amazon.*", scope: { kind: "organization" }, owner: "p", justification: "t", ...extra },
  ];

  it("without an entry allowing API keys: AWS's long-term-key and key-creation denies, verbatim", () => {
    const statements = compiled(only({})).map(withoutSid);
    const longTerm = example("Deny-Bedrock-long-term-api-keys.json").Statement[0] as unknown as Record<string, unknown>;
    const creation = example("Deny-Bedrock-api-keys.json").Statement[0] as unknown as Record<string, unknown>;
    expect(statements).toContainEqual(withoutSid(longTerm));
    expect(statements).toContainEqual(withoutSid(creation));
    // The same denial on bedrock-mantle, with that service's token-type key.
    expect(statements).toContainEqual({
      Effect: "Deny",
      Action: "bedrock-mantle:CallWithBearerToken",
      Resource: "*",
      Condition: { StringEquals: { "bedrock-mantle:BearerTokenType": "LONG_TERM" } },
    });
    expect(JSON.stringify(compiled(only({ apiKeys: true })))).not.toContain("CallWithBearerToken");
  });

  it("bedrock-mantle models by AWS's condition key, Claude Platform denied unless an entry allows it", () => {
    const mantleExample = example("Deny-Bedrock-model-invocation-except-approved-models.json").Statement[1];
    const key = Object.keys(mantleExample?.Condition?.StringLike ?? {})[0];
    expect(key).toBe("bedrock-mantle:Model");
    const statements = compiled(only({ endpoints: ["runtime", "mantle"] }));
    const mantle = statements.find((st) => st.Sid === "DenyMantleModelsOutsideCatalog");
    expect(mantle).toEqual({
      Sid: "DenyMantleModelsOutsideCatalog",
      Effect: "Deny",
      Action: "bedrock-mantle:CreateInference",
      Resource: "*",
      Condition: { StringNotLike: { [key as string]: ["amazon.*"] } },
    });
    expect(statements.find((st) => st.Sid === "DenyClaudePlatformOutsideCatalog")).toEqual({
      Sid: "DenyClaudePlatformOutsideCatalog",
      Effect: "Deny",
      Action: "aws-external-anthropic:*",
      Resource: "*",
    });
    const claude = compiled([
      ...only({}),
      ...only({ id: "e2", model: "anthropic.*", endpoints: ["claude_platform"], regions: ["us-east-1"] }),
    ]).find((st) => st.Sid === "DenyClaudePlatformOutsideCatalog");
    expect(claude?.Condition).toEqual({ StringNotLike: { "aws:RequestedRegion": ["us-east-1"] } });
  });
});
