// The reachability engine: for an account, a Region, a model and a principal class, whether each
// path to the model is usable, blocked (at which gate, why, who can fix it) or unknown. Pure
// functions over facts; the one place that decides whether a model can be called. Reconciliation,
// the matrix and model views, the access doctor, access-request pre-flight and remediation
// planning all ask it.
import {
  type EvaluationRequest,
  evaluateScps,
  type NamedPolicy,
  type ScpEvaluation,
  type ScpLevel,
} from "../../lib/policy-evaluator.js";
import { compareStrings } from "../catalog/arns.js";
import { callRequests, claudeWorkspaceArn } from "./call-requests.js";
import { GATE_CHECKS } from "./gate-order.js";
import { bedrockPolicyGate, contextFacts, type GateInput } from "./gates.js";
import { isAnthropic, type ModelTraits, modelTraits } from "./model-traits.js";
import {
  type AccountFacts,
  type CallPath,
  type GateCheck,
  known,
  type MantleModel,
  type ModelFacts,
  type ModelVerdict,
  type PathStatus,
  type PathVerdict,
  type PrincipalClass,
  type ProfileFacts,
  type RegionFacts,
  unknownFact,
} from "./reachability.types.js";

/** A Region the inventory holds nothing for. */
export function unreadRegion(region: string): RegionFacts {
  const why = unknownFact<never>(`${region} has not been synced`);
  return {
    region,
    status: "never",
    errorGate: null,
    errorMessage: null,
    models: new Map(),
    profiles: new Map(),
    dataRetention: why,
    mantleProjects: why,
    mantleModels: why,
  };
}

/**
 * The id bedrock-mantle serves a Bedrock model under: bedrock-mantle names models without the
 * version suffix of their Bedrock id (`anthropic.claude-haiku-4-5` for
 * `anthropic.claude-haiku-4-5-20251001-v1:0`, `openai.gpt-oss-120b` for `openai.gpt-oss-120b-1:0`).
 */
export function mantleIdOf(modelId: string, served: readonly MantleModel[]): string | undefined {
  const hit = served
    .filter((m) => modelId === m.mantleId || modelId.startsWith(`${m.mantleId}-`))
    .sort((a, b) => b.mantleId.length - a.mantleId.length)[0];
  return hit?.mantleId;
}

const profileIndex = new WeakMap<RegionFacts["profiles"], Map<string, ProfileFacts[]>>();

/** The Region's inference profiles by the model they serve, in profile-id order (built once per Region). */
function profilesByModel(rf: RegionFacts): Map<string, ProfileFacts[]> {
  let index = profileIndex.get(rf.profiles);
  if (index === undefined) {
    index = new Map();
    const sorted = [...rf.profiles.values()].sort((a, b) => compareStrings(a.profileId, b.profileId));
    for (const p of sorted) {
      const list = index.get(p.modelId);
      if (list === undefined) index.set(p.modelId, [p]);
      else list.push(p);
    }
    profileIndex.set(rf.profiles, index);
  }
  return index;
}

/** Every path a call to `modelId` from `region` can take. */
export function pathsFor(
  account: AccountFacts,
  rf: RegionFacts,
  modelId: string,
  model: ModelFacts | undefined,
  opts: { direct?: boolean } = {},
): CallPath[] {
  const out: CallPath[] = [];
  const profiles = profilesByModel(rf).get(modelId) ?? [];
  const onDemand = model?.inferenceTypes.includes("ON_DEMAND") === true;
  // The direct path is listed when the model is on demand here, or when nothing else reaches it
  // (so the verdict can say why: not offered, Provisioned only, profile only).
  // `direct`: a caller asks about the direct call itself (the doctor given a model id).
  if (onDemand || profiles.length === 0 || opts.direct) out.push({ kind: "direct", destinations: [rf.region] });
  for (const p of profiles)
    out.push(
      p.isGlobal
        ? { kind: "global_profile", profileId: p.profileId, destinations: ["*"] }
        : { kind: "profile", profileId: p.profileId, destinations: [...p.destinationRegions] },
    );
  const mantleId = rf.mantleModels.known ? mantleIdOf(modelId, rf.mantleModels.value) : undefined;
  if (mantleId !== undefined && rf.mantleProjects.known) {
    for (const project of rf.mantleProjects.value)
      out.push({ kind: "mantle", mantleId, projectArn: project.arn, destinations: [rf.region] });
  }
  if (account.claudePlatform.known && isAnthropic(modelId, model?.provider ?? "")) {
    for (const w of account.claudePlatform.value.filter((x) => x.region === rf.region))
      out.push({ kind: "claude_platform", workspaceArn: w.arn, destinations: [rf.region] });
  }
  return out;
}

const policyKey = (p: NamedPolicy) => p.id;

/** Lower-cased condition keys the policies test. */
function conditionKeys(levels: readonly ScpLevel[]): Set<string> {
  const keys = new Set<string>();
  for (const level of levels)
    for (const policy of level.policies)
      for (const st of policy.document.Statement)
        for (const block of Object.values(st.Condition ?? {}))
          for (const k of Object.keys(block)) keys.add(k.toLowerCase());
  return keys;
}

interface LevelsInfo {
  /** Decisions under these policies by request (action, resource and tested context, see `scp`). */
  memo: Map<string, { ev: ScpEvaluation; missingLevel: number }>;
  /** Condition keys the policies test, as they are spelled in requests (lower-cased). */
  keys: Set<string>;
  /**
   * The policies cannot tell one account from another (accountNeutral): requests that differ only
   * in the account id get the same decision.
   */
  accountFree: boolean;
}

/** Condition keys whose values carry an account id or an ARN (and so an account field). */
const ACCOUNT_BEARING_KEY = /account|arn|userid/i;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * Whether a set of SCPs decides the same for every account: no account id in them (no run of 12
 * digits), no policy variable (`${aws:PrincipalAccount}` ties a resource to the caller's account),
 * no digit in a resource pattern's account field, and no digit in a value tested against a key
 * that carries an account (`aws:PrincipalAccount` "1111*"). Then the engine's memo may key SCP
 * decisions with the account id left out.
 */
function accountNeutral(levels: readonly ScpLevel[]): boolean {
  for (const level of levels)
    for (const policy of level.policies) {
      const text = JSON.stringify(policy.document);
      if (/\d{12}/.test(text) || text.includes("${")) return false;
      for (const st of policy.document.Statement) {
        for (const r of [...list(st.Resource), ...list(st.NotResource)])
          if (/\d/.test(String(r).split(":")[4] ?? "")) return false;
        for (const block of Object.values(st.Condition ?? {}))
          for (const [k, v] of Object.entries(block))
            if (ACCOUNT_BEARING_KEY.test(k) && list(v).some((x) => /\d/.test(String(x).split(":")[4] ?? String(x))))
              return false;
      }
    }
  return true;
}

/** Condition key names as requests spell them, lower-cased once. */
const lowerNames = new Map<string, string>();
function lowerCase(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    // Request contexts use a few dozen documented key names; anything else is not kept.
    if (lowerNames.size < 1024) lowerNames.set(name, lower);
  }
  return lower;
}

/** Stands for the account id in memo keys of account-neutral policies (never in an ARN or value). */
const ANY_ACCOUNT = "\u0001";

/** `text` with `account` (when given) replaced by ANY_ACCOUNT. */
const withoutAccount = (text: string, account: string) =>
  account === "" ? text : text.replaceAll(account, ANY_ACCOUNT);

export interface ReachabilityEngine {
  /** `direct`: judge the direct call even where only profiles serve the model. */
  evaluate(
    account: AccountFacts,
    region: string,
    modelId: string,
    principal: PrincipalClass,
    opts?: { direct?: boolean },
  ): ModelVerdict;
  /** Every model the account-Region lists (on-demand or not), judged for `principal`. */
  evaluateRegion(account: AccountFacts, region: string, principal: PrincipalClass): ModelVerdict[];
  /** SCP evaluation with the engine's memo (shared by accounts with the same policies). */
  scp(levels: readonly ScpLevel[], req: EvaluationRequest): ScpEvaluation;
}

/**
 * One engine per evaluation batch (a reconciliation run, an API request): it memoizes SCP
 * decisions by the policies in force and the condition keys they test, so accounts under the
 * same OUs share them.
 */
export function createReachabilityEngine(opts: { now: Date }): ReachabilityEngine {
  const infos = new WeakMap<readonly ScpLevel[], LevelsInfo>();
  // Accounts under the same policies (the same OUs) share one memo; a chunk of accounts read
  // together has its own level arrays, so they are matched by the policies' ids.
  const infoByPolicies = new Map<string, LevelsInfo>();

  function info(levels: readonly ScpLevel[]): LevelsInfo {
    let i = infos.get(levels);
    if (i === undefined) {
      const key = levels.map((l) => l.policies.map(policyKey).join(",")).join("/");
      i = infoByPolicies.get(key);
      if (i === undefined) {
        i = { memo: new Map(), keys: conditionKeys(levels), accountFree: accountNeutral(levels) };
        infoByPolicies.set(key, i);
      }
      infos.set(levels, i);
    }
    return i;
  }

  function scp(levels: readonly ScpLevel[], req: EvaluationRequest): ScpEvaluation {
    const { memo, keys, accountFree } = info(levels);
    // Under account-neutral policies the caller's account id is left out of the key wherever it
    // appears (the resource's account field, aws:PrincipalAccount, bedrock:InferenceProfileArn).
    const principalAccount = req.context?.["aws:PrincipalAccount"];
    const account = accountFree && typeof principalAccount === "string" ? principalAccount : "";
    let key = `${req.action}\u0000${withoutAccount(req.resource, account)}`;
    if (keys.size > 0 && req.context !== undefined) {
      const parts: string[] = [];
      for (const k in req.context) {
        const lower = lowerCase(k);
        if (!keys.has(lower)) continue;
        const v = req.context[k];
        parts.push(`${lower}=${withoutAccount(Array.isArray(v) ? v.join(",") : String(v), account)}`);
      }
      if (parts.length > 0) key += `\u0000${parts.length > 1 ? parts.sort().join("&") : parts[0]}`;
    }
    const hit = memo.get(key);
    if (hit !== undefined) {
      if (hit.missingLevel < 0) return hit.ev;
      return { ...hit.ev, missingAllowAt: levels[hit.missingLevel]?.targetId as string };
    }
    const ev = evaluateScps(levels, req);
    const missingLevel =
      ev.missingAllowAt === undefined ? -1 : levels.findIndex((l) => l.targetId === ev.missingAllowAt);
    memo.set(key, { ev, missingLevel });
    return ev;
  }

  // A model's traits follow from its id and its agreement evidence (AgreementEvidence's two fields),
  // the same in most account-Regions.
  const traitsMemo = new Map<string, ModelTraits>();
  function traitsOf(modelId: string, model: ModelFacts | undefined): ModelTraits {
    const key = model === undefined ? modelId : `${modelId}\u0000${model.agreementStatus}\u0000${model.offerCount}`;
    let t = traitsMemo.get(key);
    if (t === undefined) {
      t = modelTraits(modelId, model ? [model] : []);
      traitsMemo.set(key, t);
    }
    return t;
  }

  function judge(input: Omit<GateInput, "scp">): PathVerdict {
    const checks: GateCheck[] = [];
    let firstUnknown: GateCheck | undefined;
    let requests: EvaluationRequest[] | undefined;
    const gateInput: GateInput = {
      ...input,
      scp,
      requests: () => {
        requests ??= callRequests(input.path, contextFacts(gateInput));
        return requests;
      },
    };
    for (const check of GATE_CHECKS) {
      const result = check(gateInput);
      checks.push(result);
      if (result.status === "fail")
        return { path: input.path, status: "blocked", gate: result.gate, reason: result.reason, checks };
      if (result.status === "unknown") {
        // Without the account-Region's facts only the account-wide Bedrock policy can still be judged.
        if (result.gate === "credentials") {
          const policy = bedrockPolicyGate(gateInput);
          checks.push(policy);
          if (policy.status === "fail")
            return { path: input.path, status: "blocked", gate: policy.gate, reason: policy.reason, checks };
          return { path: input.path, status: "unknown", gate: result.gate, reason: result.reason, checks };
        }
        firstUnknown ??= result;
      }
    }
    if (firstUnknown)
      return { path: input.path, status: "unknown", gate: firstUnknown.gate, reason: firstUnknown.reason, checks };
    return { path: input.path, status: "usable", gate: null, reason: "every gate passes", checks };
  }

  function evaluate(
    account: AccountFacts,
    region: string,
    modelId: string,
    principal: PrincipalClass,
    which: { direct?: boolean } = {},
  ): ModelVerdict {
    const rf = account.regions.get(region) ?? unreadRegion(region);
    const model = rf.models.get(modelId);
    const traits = traitsOf(modelId, model);
    const paths = pathsFor(account, rf, modelId, model, which).map((path) =>
      judge({ account, regionFacts: rf, model, modelId, traits, path, principal, now: opts.now }),
    );
    const status: PathStatus = paths.some((p) => p.status === "usable")
      ? "usable"
      : paths.every((p) => p.status === "blocked")
        ? "blocked"
        : "unknown";
    return { accountId: account.accountId, region, modelId, status, paths };
  }

  return {
    evaluate,
    evaluateRegion(account, region, principal) {
      const rf = account.regions.get(region);
      if (rf === undefined) return [];
      const ids = new Set(rf.models.keys());
      for (const p of rf.profiles.values()) ids.add(p.modelId);
      return [...ids].sort(compareStrings).map((id) => evaluate(account, region, id, principal));
    },
    scp,
  };
}

export { claudeWorkspaceArn, known, unknownFact };
