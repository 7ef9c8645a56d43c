// Long-term Bedrock API keys as a surface of their own: an IAM user's service-specific credential
// for bedrock.amazonaws.com calls bedrock-runtime and bedrock-mantle with `Authorization: Bearer`,
// authorized as `bedrock:CallWithBearerToken` / `bedrock-mantle:CallWithBearerToken` with the
// token type LONG_TERM ("Control permissions for generating and using Amazon Bedrock API keys").
// Where an account holds active keys, some model can be called with them (the engine's answer for
// a long-term-key caller) and no catalog entry covering the account allows API keys there, the
// keys are an unguarded surface.
import type { CatalogEntry } from "../catalog/catalog.types.js";
import { entryAllowsRegion } from "../catalog/catalog-scope.js";
import type { ReachabilityEngine } from "../reachability/engine.js";
import type { AccountInventory, ModelVerdict, RegionFacts } from "../reachability/reachability.types.js";
import type { FindingsCollector } from "./findings-collector.js";

const LONG_TERM_KEY = { kind: "any", auth: "api_key_long_term" } as const;
/** Models named in a finding's evidence (the count says how many there are). */
const MODELS_NAMED = 20;

export function apiKeyFindings(
  out: FindingsCollector,
  ctx: {
    account: AccountInventory;
    rf: RegionFacts;
    verdicts: readonly ModelVerdict[];
    entries: readonly CatalogEntry[];
    engine: ReachabilityEngine;
    now: Date;
    inventoryAsOf: string | null;
  },
): void {
  const { account, rf } = ctx;
  const keys = account.facts.apiKeys;
  if (!keys.known) return;
  const active = keys.value.filter(
    (k) => k.status === "Active" && (k.expiresAt === null || Date.parse(k.expiresAt) > ctx.now.getTime()),
  );
  if (active.length === 0) return;
  if (ctx.entries.some((e) => e.apiKeys === true && entryAllowsRegion(e, rf.region))) return;
  // Claude Platform on AWS takes no Bedrock API key.
  const keyPath = (v: ModelVerdict) => v.paths.find((p) => p.status === "usable" && p.path.kind !== "claude_platform");
  const reachable = ctx.verdicts
    .filter((v) => keyPath(v) !== undefined)
    .map((v) => ctx.engine.evaluate(account.facts, rf.region, v.modelId, LONG_TERM_KEY))
    .flatMap((v) => {
      const p = keyPath(v);
      return p === undefined ? [] : [{ modelId: v.modelId, path: p }];
    });
  if (reachable.length === 0) return;
  const accountId = account.facts.accountId;
  const users = [...new Set(active.map((k) => k.userName))].sort();
  out.add({
    type: "UNGUARDED_SURFACE",
    severity: "high",
    accountId,
    region: rf.region,
    modelId: null,
    path: "api_keys",
    gate: null,
    detail: `${reachable.length} model${reachable.length === 1 ? "" : "s"} can be called in account ${accountId} in ${rf.region} with the long-term Bedrock API keys of ${users.length === 1 ? "IAM user" : "IAM users"} ${users.join(", ")}, and no catalog entry allows API keys there.`,
    evidence: {
      inventoryAsOf: ctx.inventoryAsOf,
      keys: active.map((k) => ({ userName: k.userName, credentialId: k.credentialId, expiresAt: k.expiresAt })),
      modelCount: reachable.length,
      models: reachable.slice(0, MODELS_NAMED).map((r) => r.modelId),
    },
  });
}
