// Large, realistic, deterministic organizations for load tests and benchmarks: the same options
// and seed always give the same scenario.
import { builtinModels, denyDeepSeekDocument, isMarketplaceProvider } from "./catalog.js";
import { generateAccessFeatures } from "./generator-access.js";
import { createRng, type Rng } from "./rng.js";
import {
  parseScenario,
  type Scenario,
  type ScenarioAccount,
  type ScenarioModel,
  type ScenarioOu,
  type ScenarioProfile,
} from "./scenario.js";

export interface GenerateScenarioOptions {
  accounts: number;
  regions: number;
  models: number;
  seed?: number;
  /** Number of OUs (nested two to three deep); default grows with the account count. */
  ous?: number;
  /** Add the 2026 access rules (generator-access.ts); default true. */
  access?: boolean;
}

const REGIONS = [
  "us-east-1",
  "us-west-2",
  "eu-west-1",
  "eu-central-1",
  "ap-northeast-1",
  "ap-southeast-2",
  "us-east-2",
  "eu-west-3",
  "ap-south-1",
  "ca-central-1",
  "sa-east-1",
  "eu-north-1",
];

const PROVIDERS: { name: string; idPrefix: string; family: string; weight: number; version: string }[] = [
  { name: "Amazon", idPrefix: "amazon", family: "nova", weight: 3, version: "v1:0" },
  { name: "Anthropic", idPrefix: "anthropic", family: "claude", weight: 3, version: "v1:0" },
  { name: "Meta", idPrefix: "meta", family: "llama", weight: 2, version: "v1:0" },
  { name: "Mistral AI", idPrefix: "mistral", family: "mistral", weight: 2, version: "v1:0" },
  { name: "DeepSeek", idPrefix: "deepseek", family: "r", weight: 1, version: "v1:0" },
  { name: "Cohere", idPrefix: "cohere", family: "command", weight: 1, version: "v1:0" },
  { name: "AI21 Labs", idPrefix: "ai21", family: "jamba", weight: 1, version: "v1:0" },
  { name: "OpenAI", idPrefix: "openai", family: "gpt-oss", weight: 1, version: "1:0" },
  { name: "Qwen", idPrefix: "qwen", family: "qwen3", weight: 1, version: "v1:0" },
];

const TEAMS = ["payments", "search", "ml", "data", "platform", "support", "risk", "growth", "identity", "mobile"];
const STAGES = ["dev", "test", "stage", "prod"];

const lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
const token = (rng: Rng, n: number, alphabet = lowerAlnum) =>
  Array.from({ length: n }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join("");

function uniqueAccountId(rng: Rng, used: Set<string>): string {
  for (;;) {
    const id = String(rng.int(100000000000, 999999999999));
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

function pickProvider(point: number): (typeof PROVIDERS)[number] {
  let rest = point;
  for (const p of PROVIDERS) {
    rest -= p.weight;
    if (rest < 0) return p;
  }
  return PROVIDERS[PROVIDERS.length - 1] as (typeof PROVIDERS)[number];
}

function geoOf(region: string): "us" | "eu" | "apac" | undefined {
  if (region.startsWith("us-") || region.startsWith("ca-")) return "us";
  if (region.startsWith("eu-")) return "eu";
  if (region.startsWith("ap-")) return "apac";
  return undefined;
}

export function generateScenario(opts: GenerateScenarioOptions): Scenario {
  if (!Number.isInteger(opts.accounts) || opts.accounts < 1)
    throw new RangeError("accounts must be a positive integer");
  if (!Number.isInteger(opts.regions) || opts.regions < 1 || opts.regions > REGIONS.length)
    throw new RangeError(`regions must be between 1 and ${REGIONS.length}`);
  if (!Number.isInteger(opts.models) || opts.models < 1) throw new RangeError("models must be a positive integer");
  const seed = opts.seed ?? 42;
  const rng = createRng(seed);
  const regions = REGIONS.slice(0, opts.regions);
  const rootSuffix = token(rng, 4);
  const orgId = `o-${token(rng, 10)}`;
  const usedIds = new Set<string>();
  const mgmt = uniqueAccountId(rng, usedIds);

  // OUs: a few top-level ones, children under them, and some grandchildren (2–3 levels).
  const ouCount = opts.ous ?? Math.max(3, Math.min(60, Math.round(Math.sqrt(opts.accounts) * 1.2)));
  const ous: ScenarioOu[] = [];
  const topCount = Math.max(1, Math.round(ouCount / 4));
  for (let i = 0; i < ouCount; i++) {
    const id = `ou-${rootSuffix}-${token(rng, 8)}`;
    let parent = "root";
    let name = `${TEAMS[i % TEAMS.length]}-${i}`;
    if (i >= topCount) {
      // Children attach to a top-level OU; later ones may attach to a child (third level).
      const pool = i < topCount * 3 ? ous.slice(0, topCount) : ous.slice(topCount, i);
      parent = rng.pick(pool.length > 0 ? pool : ous.slice(0, topCount)).id;
      name = `${name}-${rng.pick(STAGES)}`;
    } else name = ["Workloads", "Sandbox", "Security", "Infrastructure", "Suspended"][i % 5] ?? name;
    ous.push({ id, name, parent });
  }

  const accounts: ScenarioAccount[] = [
    { id: mgmt, name: "management", email: `aws-root+management@example.com`, anthropicUseCase: true, regions },
  ];
  for (let i = 1; i < opts.accounts; i++) {
    const team = rng.pick(TEAMS);
    const stage = rng.pick(STAGES);
    const r = rng.next();
    const account: ScenarioAccount = {
      id: uniqueAccountId(rng, usedIds),
      name: `${team}-${stage}-${String(i).padStart(4, "0")}`,
      email: `aws+${team}-${stage}-${i}@example.com`,
      parent: rng.chance(0.05) || ous.length === 0 ? "root" : rng.pick(ous).id,
      regions: regions.filter((_, k) => k === 0 || rng.chance(0.85)),
    };
    if (r < 0.01) account.state = "SUSPENDED";
    else if (r < 0.015) account.state = "PENDING_CLOSURE";
    const m = rng.next();
    if (m < 0.01) account.memberRole = "missing";
    else if (m < 0.015) account.memberRole = "trust-denied";
    else if (m < 0.02) account.memberRole = "external-id-mismatch";
    if (stage === "prod" && rng.chance(0.7)) {
      account.invocationLogging = Object.fromEntries(
        (account.regions ?? []).map((reg) => [
          reg,
          { cloudWatchLogGroup: `/aws/bedrock/${team}`, s3Bucket: `bedrock-logs-${account.id}` },
        ]),
      );
    }
    accounts.push(account);
  }

  const models: ScenarioModel[] = builtinModels()
    .slice(0, opts.models)
    .map((m) => ({ ...m, regions: regions.filter((_, k) => k === 0 || rng.chance(0.8)) }));
  const totalWeight = PROVIDERS.reduce((s, p) => s + p.weight, 0);
  for (let k = models.length; k < opts.models; k++) {
    const provider = pickProvider(rng.next() * totalWeight);
    const legacy = rng.chance(0.15);
    const profileOnly = rng.chance(0.25);
    const year = rng.int(2023, 2026);
    models.push({
      id: `${provider.idPrefix}.${provider.family}-gen${k}-${year}${String(rng.int(1, 12)).padStart(2, "0")}-${provider.version}`,
      name: `${provider.name} ${provider.family} gen ${k}`,
      provider: provider.name,
      inputModalities: rng.chance(0.4) ? ["TEXT", "IMAGE"] : ["TEXT"],
      outputModalities: rng.chance(0.08) ? ["EMBEDDING"] : ["TEXT"],
      inferenceTypes: profileOnly
        ? ["INFERENCE_PROFILE"]
        : rng.chance(0.5)
          ? ["ON_DEMAND", "INFERENCE_PROFILE"]
          : ["ON_DEMAND"],
      lifecycle: legacy
        ? {
            status: "LEGACY",
            startOfLifeTime: `${year}-01-15T00:00:00Z`,
            legacyTime: "2026-06-01T00:00:00Z",
            endOfLifeTime: "2027-06-01T00:00:00Z",
          }
        : { status: "ACTIVE", startOfLifeTime: `${year}-01-15T00:00:00Z` },
      regions: regions.filter((_, j) => j === 0 || rng.chance(0.7)),
      marketplace: isMarketplaceProvider(provider.name),
    });
  }

  const profiles: ScenarioProfile[] = [];
  for (const m of models) {
    if (!m.inferenceTypes?.includes("INFERENCE_PROFILE")) continue;
    const byGeo = new Map<string, string[]>();
    for (const r of m.regions ?? []) {
      const g = geoOf(r);
      if (g !== undefined) byGeo.set(g, [...(byGeo.get(g) ?? []), r]);
    }
    for (const [g, rs] of byGeo)
      profiles.push({ id: `${g}.${m.id}`, model: m.id, sourceRegions: rs, destinationRegions: rs });
    if (m.provider === "Anthropic" && m.lifecycle?.status === "ACTIVE" && rng.chance(0.5))
      profiles.push({ id: `global.${m.id}`, model: m.id, sourceRegions: m.regions ?? regions });
  }

  const access = opts.access === false ? undefined : generateAccessFeatures(seed, mgmt, regions, ous, accounts, models);
  const scenario = {
    name: `generated-${opts.accounts}a-${opts.regions}r-${opts.models}m-seed${seed}`,
    organization: { id: orgId, managementAccountId: mgmt, rootId: `r-${rootSuffix}` },
    defaultRegions: regions,
    externalId: `bg-${token(rng, 12)}`,
    ous,
    accounts,
    policies: [
      {
        id: `p-${token(rng, 8)}`,
        name: "DenyDeepSeek",
        description: "Deny DeepSeek models organization-wide",
        content: denyDeepSeekDocument(),
        targets: ["root"],
      },
      ...(access?.fields.policies ?? []),
    ],
    models: [...models, ...(access?.models ?? [])],
    inferenceProfiles: [...profiles, ...(access?.profiles ?? [])],
    ...(access?.fields.useCaseMemberAnswer ? { useCaseMemberAnswer: access.fields.useCaseMemberAnswer } : {}),
    ...(access?.fields.managedEntitlements ? { managedEntitlements: access.fields.managedEntitlements } : {}),
    cloudtrail: {
      generate: {
        days: 3,
        eventsPerAccountRegionPerDay: 4,
        accounts: accounts.slice(0, Math.min(accounts.length, 50)).map((a) => a.id),
        seed,
      },
    },
    faults: { seed },
  };
  return parseScenario(scenario, "generated scenario");
}
