// The scenario is the sandbox's whole world: organization, accounts, policies, models, CloudTrail
// activity and fault knobs. It is validated once (shape with TypeBox, references by hand) so the
// services can trust it; every error names the path of the offending value.

import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { Value } from "typebox/value";
import { parse as parseYaml } from "yaml";
import { builtin2026Models, builtinModels } from "./catalog.js";
import { type Scenario, ScenarioSchema } from "./scenario-schema.js";

export * from "./scenario-schema.js";

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

function pointerToPath(root: string, pointer: string): string {
  let out = root;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(seg) ? `[${seg}]` : /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

interface TypeboxError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function describeError(e: TypeboxError): string {
  if (e.keyword === "enum" && Array.isArray(e.params.allowedValues)) {
    return `expected one of ${(e.params.allowedValues as unknown[]).join(", ")}`;
  }
  if (e.keyword === "required" && Array.isArray(e.params.requiredProperties)) {
    return `missing required property ${(e.params.requiredProperties as string[]).join(", ")}`;
  }
  if (e.keyword === "additionalProperties" && Array.isArray(e.params.additionalProperties)) {
    return `unknown property ${(e.params.additionalProperties as string[]).join(", ")}`;
  }
  if (e.keyword === "pattern") return `must match ${String(e.params.pattern)}`;
  return e.message;
}

/** Validates the shape and the references of a scenario; throws ScenarioError naming the first bad path. */
export function parseScenario(input: unknown, source = "scenario"): Scenario {
  const errors = [...Value.Errors(ScenarioSchema, input)] as unknown as TypeboxError[];
  if (errors.length > 0) {
    // The deepest error is the most specific; "schema is false" duplicates additionalProperties.
    const useful = errors.filter((e) => e.keyword !== "boolean" && e.keyword !== "anyOf");
    const first = [...(useful.length > 0 ? useful : errors)].sort(
      (a, b) => b.instancePath.split("/").length - a.instancePath.split("/").length,
    )[0] as TypeboxError;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : "";
    throw new ScenarioError(`${pointerToPath(source, first.instancePath)}: ${describeError(first)}${more}`);
  }
  const scenario = input as Scenario;
  checkReferences(scenario, source);
  return scenario;
}

function checkReferences(s: Scenario, src: string): void {
  const fail = (path: string, msg: string): never => {
    throw new ScenarioError(`${src}.${path}: ${msg}`);
  };
  const rootId = s.organization.rootId ?? "r-root";
  const ouIds = new Set<string>();
  (s.ous ?? []).forEach((ou, i) => {
    if (ouIds.has(ou.id)) fail(`ous[${i}].id`, `duplicate OU id ${ou.id}`);
    ouIds.add(ou.id);
  });
  const isParent = (p: string | undefined) => p === undefined || p === "root" || p === rootId || ouIds.has(p);
  (s.ous ?? []).forEach((ou, i) => {
    if (!isParent(ou.parent)) fail(`ous[${i}].parent`, `unknown parent ${ou.parent}`);
    if (ou.parent === ou.id) fail(`ous[${i}].parent`, "an OU cannot be its own parent");
  });
  // Cycles would make the path-to-root walk loop forever.
  const parentOf = new Map((s.ous ?? []).map((o) => [o.id, o.parent]));
  (s.ous ?? []).forEach((ou, i) => {
    const seen = new Set<string>();
    let cur: string | undefined = ou.id;
    while (cur !== undefined && ouIds.has(cur)) {
      if (seen.has(cur)) fail(`ous[${i}].parent`, "OU parents form a cycle");
      seen.add(cur);
      cur = parentOf.get(cur);
    }
  });
  const accountIds = new Set<string>();
  const modelIds = new Set((s.models ?? []).map((m) => m.id));
  s.accounts.forEach((a, i) => {
    if (accountIds.has(a.id)) fail(`accounts[${i}].id`, `duplicate account id ${a.id}`);
    accountIds.add(a.id);
    if (!isParent(a.parent)) fail(`accounts[${i}].parent`, `unknown parent ${a.parent}`);
    (a.modelAccess ?? []).forEach((m, j) => {
      if (s.models !== undefined && !modelIds.has(m.model))
        fail(`accounts[${i}].modelAccess[${j}].model`, `unknown model ${m.model}`);
    });
    (a.principals ?? []).forEach((p, j) => {
      if (p.arn.split(":")[4] !== a.id) fail(`accounts[${i}].principals[${j}].arn`, `must be in account ${a.id}`);
      p.policies.forEach((pol, k) => {
        if (typeof pol.document === "string") {
          try {
            JSON.parse(pol.document);
          } catch {
            fail(`accounts[${i}].principals[${j}].policies[${k}].document`, "is not valid JSON");
          }
        }
      });
    });
  });
  if (!accountIds.has(s.organization.managementAccountId)) {
    fail("organization.managementAccountId", `account ${s.organization.managementAccountId} is not in accounts`);
  }
  const policyIds = new Set<string>();
  (s.policies ?? []).forEach((p, i) => {
    if (policyIds.has(p.id)) fail(`policies[${i}].id`, `duplicate policy id ${p.id}`);
    policyIds.add(p.id);
    if (typeof p.content === "string") {
      try {
        JSON.parse(p.content);
      } catch {
        fail(`policies[${i}].content`, "is not valid JSON");
      }
    }
    (p.targets ?? []).forEach((t, j) => {
      if (!(t === "root" || t === rootId || ouIds.has(t) || accountIds.has(t)))
        fail(`policies[${i}].targets[${j}]`, `unknown target ${t}`);
    });
  });
  (s.inferenceProfiles ?? []).forEach((p, i) => {
    if (s.models !== undefined && !modelIds.has(p.model))
      fail(`inferenceProfiles[${i}].model`, `unknown model ${p.model}`);
  });
  (s.cloudtrail?.events ?? []).forEach((e, i) => {
    if (!accountIds.has(e.account)) fail(`cloudtrail.events[${i}].account`, `unknown account ${e.account}`);
  });
  checkAccessReferences(s, fail, { rootId, ouIds, accountIds });
  (s.faults?.latency ?? []).forEach((l, i) => {
    const need =
      l.distribution === "fixed" ? ["ms"] : l.distribution === "uniform" ? ["min", "max"] : ["mean", "stddev"];
    for (const k of need) {
      if ((l as Record<string, unknown>)[k] === undefined)
        fail(`faults.latency[${i}].${k}`, `required for distribution ${l.distribution}`);
    }
  });
}

/** Reads a .yaml/.yml/.json scenario file and validates it. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  const text = await readFile(path, "utf8");
  const ext = extname(path).toLowerCase();
  let data: unknown;
  try {
    if (ext === ".json") data = JSON.parse(text);
    else if (ext === ".yaml" || ext === ".yml") data = parseYaml(text);
    else throw new ScenarioError(`${path}: expected a .yaml, .yml or .json file`);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(`${path}: cannot parse: ${(err as Error).message}`);
  }
  return parseScenario(data, path);
}

/** Cross-references of the 2026 access fields (models, Regions, grant principals, unique keys). */
function checkAccessReferences(
  s: Scenario,
  fail: (path: string, msg: string) => never,
  ids: { rootId: string; ouIds: Set<string>; accountIds: Set<string> },
): void {
  const catalog = s.models ?? [...builtinModels(), ...builtin2026Models()];
  const modelIds = new Set(catalog.map((m) => m.id));
  const knownModel = (path: string, id: string) => {
    if (!modelIds.has(id)) fail(path, `unknown model ${id}`);
  };
  const mantleIds = new Set<string>();
  (s.models ?? []).forEach((m, i) => {
    if (m.mantleId === undefined) return;
    if (mantleIds.has(m.mantleId)) fail(`models[${i}].mantleId`, `duplicate mantle id ${m.mantleId}`);
    mantleIds.add(m.mantleId);
  });
  const keys = new Set<string>();
  const defaultRegions = s.defaultRegions ?? ["us-east-1", "us-west-2"];
  s.accounts.forEach((a, i) => {
    const regions = new Set(a.regions ?? defaultRegions);
    const inRegion = (path: string, r: string | undefined) => {
      if (r !== undefined && !regions.has(r)) fail(path, `Region ${r} is not enabled in account ${a.id}`);
    };
    for (const r of Object.keys(a.dataRetention ?? {})) if (r !== "*") inRegion(`accounts[${i}].dataRetention`, r);
    (a.managedEntitlementModels ?? []).forEach((m, j) => {
      knownModel(`accounts[${i}].managedEntitlementModels[${j}]`, m);
    });
    for (const m of Object.keys(a.legacyModelActivity ?? {})) knownModel(`accounts[${i}].legacyModelActivity`, m);
    const projects = new Set<string>();
    (a.mantleProjects ?? []).forEach((p, j) => {
      inRegion(`accounts[${i}].mantleProjects[${j}].region`, p.region);
      const key = `${p.region ?? ""}|${p.id}`;
      if (projects.has(key) || p.id === "default")
        fail(`accounts[${i}].mantleProjects[${j}].id`, `duplicate project id ${p.id}`);
      projects.add(key);
    });
    (a.claudePlatformWorkspaces ?? []).forEach((w, j) => {
      inRegion(`accounts[${i}].claudePlatformWorkspaces[${j}].region`, w.region);
    });
    (a.apiKeys ?? []).forEach((k, j) => {
      if (keys.has(k.key)) fail(`accounts[${i}].apiKeys[${j}].key`, "duplicate API key");
      keys.add(k.key);
    });
  });
  const me = s.managedEntitlements;
  (me?.licenses ?? []).forEach((l, i) => {
    knownModel(`managedEntitlements.licenses[${i}].model`, l.model);
  });
  (me?.grants ?? []).forEach((g, i) => {
    knownModel(`managedEntitlements.grants[${i}].model`, g.model);
    const p = g.principal;
    if (!(p === "organization" || p === "root" || p === ids.rootId || ids.ouIds.has(p) || ids.accountIds.has(p)))
      fail(`managedEntitlements.grants[${i}].principal`, `unknown principal ${p}`);
    for (const acct of Object.keys(g.accounts ?? {}))
      if (!ids.accountIds.has(acct)) fail(`managedEntitlements.grants[${i}].accounts`, `unknown account ${acct}`);
  });
}
