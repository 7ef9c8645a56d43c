// Catalog → Service Control Policies that deny Bedrock model use outside the catalog.
//
// ONE POLICY. `Deny` the invoke actions with `NotResource` = the allowed ARNs:
//   - foundation-model ARNs `arn:aws:bedrock:<region>::foundation-model/<id>`; `?*` in the Region
//     field for "every Region" (at least one character, so the Region-less ARN of global inference
//     is NOT matched), `*` only when global inference is allowed too; the Region-less ARN
//     `arn:aws:bedrock:::foundation-model/<id>` alone when only a global profile is;
//   - inference-profile ARNs `arn:aws:bedrock:<source-region>:*:inference-profile/<id>` (account
//     wildcarded: one SCP governs many accounts);
//   - account-owned resource types the catalog does not govern (provisioned throughput, custom and
//     imported models, application inference profiles, prompts, async-invoke and batch-job ARNs),
//     so the policy neither breaks them nor StartAsyncInvoke/CreateModelInvocationJob, whose
//     request also names a job ARN. Calls through them still hit the foundation-model checks where
//     AWS makes them (application inference profiles, batch jobs, async invokes).
// Models allowed only through profiles (`viaProfiles`) have their destination-Region ARNs in the
// allow-list, and a second statement denies those ARNs when `bedrock:InferenceProfileArn` is not
// an allowed profile (StringNotLike is true when the key is absent, so direct calls are denied).
// One condition lists every such profile: a system profile reaches only its own model, so a
// profile of model A can never open a destination ARN of model B.
//
// SPLITTING. Several SCPs on one target are ANDed: a request passes only if no policy denies it.
// k policies `Deny NotResource N_i` therefore allow only ∩ N_i, so cutting the allow-list A into
// pieces A_1…A_k would deny everything. Instead the governed ARNs are partitioned into disjoint
// units, each the ARNs matching one wildcard W_u (`arn:aws:bedrock:*::foundation-model/<prefix>*`
// or `arn:aws:bedrock:*:*:inference-profile/<prefix>*`), and units are packed into policies (first
// fit, largest first). Units start as coarse as possible (one for all models, one for all
// profiles) and the heaviest is split on the next character of its ids until the packing fits:
// every unit costs its W_u in every other policy, so fewer is better. Splits follow the ids
// (`a*` → `amazon.*`, `anthropic.*`, `ai21.*` → `anthropic.claude-*`…, down to a single id).
// Policy i denies with
//     NotResource = A(units in i) ∪ W(units not in i) ∪ S ∪ X
// where S are allowed patterns that no single unit contains (e.g. a `*claude*` entry), repeated in
// every policy, and X the ungoverned resource types. For an ARN r:
//   - r in unit u placed in policy i: every other policy exempts it through W_u, policy i through
//     A_u exactly — allowed iff allowed;
//   - r in no unit (a provider or profile geography with nothing approved): only S ∪ X can exempt
//     it, in every policy alike — allowed iff S allows it;
// which is exactly the single-policy meaning. The units are disjoint by construction (distinct
// `<provider>.` / `<geo>.` prefixes, children of a split take distinct next characters), which the
// argument needs: an ARN in two units would be exempted everywhere. (Disjoint prefixes: the
// children of a split take distinct next characters; a unit for an exact id W = `…/<id>` without
// `*` exists when ids prefix one another, like `x-v1:0` and `x-v1:0:200k`.) Profile-only conditional
// statements are plain Deny + Resource, correct in any policy; they travel with their unit.
// AWS attaches at most 5 SCPs per target (FullAWSAccess, which the Deny policies need beside
// them, takes one of them when it is attached directly to the same target).
//
// ACTIONS. InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream (AWS authorizes
// Converse* as InvokeModel*, listing them costs little and states the intent), plus the other ways
// to run a model: InvokeModelWithBidirectionalStream (speech-to-speech), StartAsyncInvoke (async
// video and the like) and CreateModelInvocationJob (batch inference). Leaving those out would let
// batch or async use an unapproved model. Only entries allowing the `runtime` endpoint (the
// default) feed the allow-list; an entry for bedrock-mantle or Claude Platform alone does not
// open bedrock-runtime.
//
// OTHER SURFACES (scp-surfaces.ts). bedrock-mantle, Claude Platform on AWS, long-term API keys and
// the data-retention mode (a pin on PutAccountDataRetention) are governed by plain Deny statements, each correct in any one policy of the target. They are
// packed first (largest first, first fit) and the units around them, so the argument above is
// untouched: a policy's NotResource statement does not depend on which extras it carries. A
// statement that does not fit in a policy by itself cannot be split (a NotLike list cut in two
// denies everything): the compiler refuses the catalog with StatementTooLargeError.
import { compareStrings, hasWildcard, literalPrefix } from "./arns.js";
import type { CatalogEntry } from "./catalog.types.js";
import type { GrantInput } from "./grants.js";
import {
  type AllowArn,
  buildAllowList,
  profileArn,
  type Unit,
  unitLabel,
  unitPattern,
  type ViaArn,
} from "./scp-allow-list.js";
import { allowsEndpoint, type ScpStatement, surfaceStatements } from "./scp-surfaces.js";

/** AWS limit for an SCP document, counted on the JSON as submitted. */
export const SCP_MAX_CHARACTERS = 5120;
/** AWS limit of SCPs attached to one root, OU or account. */
export const MAX_SCPS_PER_TARGET = 5;

/**
 * `InvokeModel*` covers InvokeModel, InvokeModelWithResponseStream and
 * InvokeModelWithBidirectionalStream, `Converse*` Converse and ConverseStream: in a Deny, a future
 * action of either family is model use too, and the wildcards save characters in every policy.
 */
export const SCP_INVOKE_ACTIONS = [
  "bedrock:Converse*",
  "bedrock:CreateModelInvocationJob",
  "bedrock:InvokeModel*",
  "bedrock:StartAsyncInvoke",
] as const;

/** Account-owned Bedrock resources the catalog does not govern (see the header). */
export const UNGOVERNED_RESOURCES = [
  "arn:aws:bedrock:*:*:application-inference-profile/*",
  "arn:aws:bedrock:*:*:async-invoke/*",
  // custom-model/ and custom-model-deployment/
  "arn:aws:bedrock:*:*:custom-model*",
  "arn:aws:bedrock:*:*:imported-model/*",
  "arn:aws:bedrock:*:*:model-invocation-job/*",
  "arn:aws:bedrock:*:*:prompt/*",
  "arn:aws:bedrock:*:*:provisioned-model/*",
] as const;

export interface ScpTarget {
  kind: "root" | "ou" | "account";
  id: string;
}

export interface CompileScpsInput extends GrantInput {
  target: ScpTarget;
  /**
   * SCPs this compile may produce (default and maximum 5, AWS's limit per target). Pass fewer when
   * other SCPs, such as FullAWSAccess, are attached to the same target.
   */
  maxPolicies?: number;
  /** Policy names start with this (default `bedrock-governor-catalog`). */
  namePrefix?: string;
  /** Model ids bedrock-mantle serves (inventory); unset: derived from Bedrock ids (scp-surfaces.ts). */
  mantleModels?: readonly string[];
  /** The entries of each account the target governs, for the data-retention pin (scp-surfaces.ts). */
  retentionGroups?: readonly (readonly CatalogEntry[])[];
}

export interface CompiledScp {
  name: string;
  description: string;
  /** Minified JSON, as submitted to Organizations. */
  content: string;
  statementCount: number;
}

export class PolicyTooLargeError extends Error {
  readonly target: ScpTarget;
  /** Characters of the allow-list as one minified policy. */
  readonly characters: number;
  readonly maxPolicies: number;
  constructor(target: ScpTarget, characters: number, maxPolicies: number) {
    super(
      `the model catalog for ${target.kind} ${target.id} does not fit in ${maxPolicies} SCPs of ` +
        `${SCP_MAX_CHARACTERS} characters: as one policy it needs ${characters} characters even after merging ` +
        `Regions and model families and splitting by provider. Approve whole families with pattern entries ` +
        `(e.g. "anthropic.*" or "amazon.nova-*"), drop Regions from entries, or move entries to narrower targets ` +
        `(child OUs or accounts).`,
    );
    this.name = "PolicyTooLargeError";
    this.target = target;
    this.characters = characters;
    this.maxPolicies = maxPolicies;
  }
}

/** One statement (a surface family) that does not fit in an SCP by itself. */
export class StatementTooLargeError extends PolicyTooLargeError {
  readonly sid: string;
  constructor(target: ScpTarget, sid: string, characters: number, maxPolicies: number) {
    super(target, characters, maxPolicies);
    this.name = "StatementTooLargeError";
    this.sid = sid;
    this.message =
      `the model catalog for ${target.kind} ${target.id} cannot be expressed in SCPs: statement ${sid} alone needs ` +
      `${characters} characters in a policy of at most ${SCP_MAX_CHARACTERS}, and it cannot be split. Approve ` +
      `bedrock-mantle models by provider or family patterns (e.g. "anthropic.*"), or give Region-limited entries ` +
      `the same Regions.`;
  }
}

interface Layout {
  units: Unit[];
  /** Allowed patterns no single unit contains: in every policy. */
  spanning: AllowArn[];
}

/**
 * Starts with one unit per resource type (prefix "": every model, every profile); the packer
 * splits units only as far as needed, since every unit costs its pattern in every other policy.
 */
function initialLayout(allow: AllowArn[], via: ViaArn[]): Layout {
  const fm: Unit = { kind: "fm", prefix: "", exact: false, allow: [], via };
  const profile: Unit = { kind: "profile", prefix: "", exact: false, allow: [], via: [] };
  for (const a of allow) (a.kind === "fm" ? fm : profile).allow.push(a);
  return { units: [fm, profile].filter((u) => u.allow.length + u.via.length > 0), spanning: [] };
}

const compareUnits = (a: Unit, b: Unit) =>
  compareStrings(`${a.kind}:${a.prefix}:${a.exact}`, `${b.kind}:${b.prefix}:${b.exact}`);

function commonPrefix(values: string[]): string {
  let p = values[0] ?? "";
  for (const v of values) while (!v.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/**
 * Splits a unit into disjoint children on the next character of its ids. Entries whose wildcard
 * starts right at the unit prefix cannot follow any child: they join the spanning list.
 */
function splitUnit(u: Unit, spanning: AllowArn[]): Unit[] | undefined {
  if (u.exact) return undefined;
  const groups = new Map<string, AllowArn[]>();
  const exact: AllowArn[] = [];
  const loose: AllowArn[] = [];
  for (const a of u.allow) {
    const lp = literalPrefix(a.id);
    if (lp.length > u.prefix.length) {
      const c = lp[u.prefix.length] as string;
      groups.set(c, [...(groups.get(c) ?? []), a]);
    } else if (!hasWildcard(a.id)) exact.push(a);
    else loose.push(a);
  }
  const children: Unit[] = [...groups.values()].map((allow) => ({
    kind: u.kind,
    prefix: commonPrefix(allow.map((a) => literalPrefix(a.id))),
    exact: false,
    allow,
    via: [],
  }));
  if (exact.length > 0) children.push({ kind: u.kind, prefix: u.prefix, exact: true, allow: exact, via: [] });
  if (children.length === 0 || (children.length === 1 && loose.length === 0 && u.via.length === 0)) {
    // Nothing to split, or one child that only lengthens the prefix: try that child instead.
    const only = children[0];
    if (only === undefined || only.exact) return undefined;
    if (only.prefix === u.prefix) return undefined;
    return splitUnit(only, spanning) ?? undefined;
  }
  spanning.push(...loose);
  for (const v of u.via) {
    const home =
      children.find((c) => (c.exact ? v.id === c.prefix : literalPrefix(v.id).startsWith(c.prefix))) ?? children[0];
    home?.via.push(v);
  }
  return children;
}

interface PolicyDoc {
  Version: "2012-10-17";
  Statement: Record<string, unknown>[];
}

function policyDocument(inBin: Unit[], outOfBin: Unit[], layout: Layout, extras: ScpStatement[] = []): PolicyDoc {
  const notResource = new Set<string>([
    ...inBin.flatMap((u) => u.allow.map((a) => a.arn)),
    ...outOfBin.map(unitPattern),
    ...layout.spanning.map((a) => a.arn),
    ...UNGOVERNED_RESOURCES,
  ]);
  const statements: Record<string, unknown>[] = [
    {
      Sid: "DenyModelsOutsideCatalog",
      Effect: "Deny",
      Action: [...SCP_INVOKE_ACTIONS],
      NotResource: [...notResource].sort(compareStrings),
    },
  ];
  const via = inBin.flatMap((u) => u.via);
  if (via.length > 0) {
    const profiles = new Set(via.flatMap((v) => v.profiles));
    statements.push({
      Sid: "DenyProfileOnlyModelsOutsideTheirProfiles",
      Effect: "Deny",
      Action: [...SCP_INVOKE_ACTIONS],
      Resource: [...new Set(via.map((v) => v.arn))].sort(compareStrings),
      Condition: {
        StringNotLike: {
          "bedrock:InferenceProfileArn": [...profiles].sort(compareStrings).map((id) => profileArn("*", id)),
        },
      },
    });
  }
  return { Version: "2012-10-17", Statement: [...statements, ...extras] };
}

const sizeOf = (doc: PolicyDoc) => JSON.stringify(doc).length;
const weight = (u: Unit) =>
  u.allow.reduce((n, a) => n + a.arn.length + 3, 0) + u.via.reduce((n, v) => n + v.arn.length + 3, 0);

interface Bin {
  units: Unit[];
  extras: ScpStatement[];
}

const binDocument = (bin: Bin, layout: Layout) => {
  const set = new Set(bin.units);
  return policyDocument(
    bin.units,
    layout.units.filter((u) => !set.has(u)),
    layout,
    bin.extras,
  );
};

/**
 * First-fit decreasing into at most `bins` policies, the extra statements first; undefined when it
 * does not fit.
 */
function pack(layout: Layout, extras: ScpStatement[], bins: number, limit: number): Bin[] | undefined {
  const placed: Bin[] = Array.from({ length: bins }, () => ({ units: [], extras: [] }));
  const fits = (bin: Bin) => sizeOf(binDocument(bin, layout)) <= limit;
  for (const x of [...extras].sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length)) {
    const bin = placed.find((b) => fits({ units: b.units, extras: [...b.extras, x] }));
    if (bin === undefined) return undefined;
    bin.extras.push(x);
  }
  const order = [...layout.units].sort((a, b) => weight(b) - weight(a) || compareUnits(a, b));
  for (const unit of order) {
    const bin = placed.find((b) => fits({ units: [...b.units, unit], extras: b.extras }));
    if (bin === undefined) return undefined;
    bin.units.push(unit);
  }
  return placed.filter((b) => b.units.length + b.extras.length > 0);
}

function describe(target: ScpTarget, part: number, parts: number, units: Unit[]): string {
  const scope = parts === 1 ? "" : ` Part ${part} of ${parts}, governs ${units.map(unitLabel).join(", ")}.`;
  const text =
    `Denies Amazon Bedrock model use (bedrock-runtime, bedrock-mantle, Claude Platform on AWS, API keys) outside the approved catalog for ${target.kind} ${target.id}.${scope}` +
    " Generated by bedrock-governor: edits are overwritten.";
  return text.length <= 512 ? text : `${text.slice(0, 511)}…`;
}

/** Compiles the SCPs for one target (see the header for the scheme). */
export function compileScps(input: CompileScpsInput): CompiledScp[] {
  const { allow, via } = buildAllowList({
    ...input,
    entries: input.entries.filter((e) => allowsEndpoint(e, "runtime")),
  });
  const layout = initialLayout(allow, via);
  const extras = surfaceStatements(input);
  const whole = sizeOf(policyDocument(layout.units, [], layout, extras));
  const namePrefix = input.namePrefix ?? "bedrock-governor-catalog";
  const finish = (bins: Bin[]): CompiledScp[] =>
    bins.map((bin, i) => {
      const doc = binDocument(bin, layout);
      const content = JSON.stringify(doc);
      const suffix = bins.length === 1 ? "" : `-${i + 1}-of-${bins.length}`;
      return {
        name: `${namePrefix}-${input.target.id}${suffix}`.slice(0, 128),
        description: describe(input.target, i + 1, bins.length, [...bin.units].sort(compareUnits)),
        content,
        statementCount: doc.Statement.length,
      };
    });
  const maxPolicies = Math.min(input.maxPolicies ?? MAX_SCPS_PER_TARGET, MAX_SCPS_PER_TARGET);
  if (!Number.isInteger(maxPolicies) || maxPolicies < 1)
    throw new RangeError(`maxPolicies must be an integer from 1 to ${MAX_SCPS_PER_TARGET}`);
  const tooLarge = () => new PolicyTooLargeError(input.target, whole, maxPolicies);
  if (whole <= SCP_MAX_CHARACTERS) return finish([{ units: layout.units, extras }]);
  // A statement that cannot share a policy with the smallest allow-list statement cannot be placed.
  for (const x of extras) {
    const alone = sizeOf(policyDocument([], layout.units, layout, [x]));
    if (alone > SCP_MAX_CHARACTERS) throw new StatementTooLargeError(input.target, String(x.Sid), alone, maxPolicies);
  }
  if (maxPolicies === 1) throw tooLarge();
  // Even spread perfectly, the allow-list cannot fit: fail fast instead of splitting forever.
  const payload =
    layout.units.reduce((n, u) => n + weight(u), 0) + extras.reduce((n, x) => n + JSON.stringify(x).length, 0);
  if (payload > maxPolicies * SCP_MAX_CHARACTERS) throw tooLarge();
  for (;;) {
    // First fit opens a further policy only when needed, so trying the maximum finds the fewest.
    const packed = pack(layout, extras, maxPolicies, SCP_MAX_CHARACTERS);
    if (packed !== undefined) {
      // Units in the order a reader expects; policies ordered by their first unit (extras-only last).
      const sorted = packed.map((b) => ({ units: [...b.units].sort(compareUnits), extras: b.extras }));
      sorted.sort((a, b) => {
        const [x, y] = [a.units[0], b.units[0]];
        return x === undefined ? (y === undefined ? 0 : 1) : y === undefined ? -1 : compareUnits(x, y);
      });
      return finish(sorted);
    }
    // Split the heaviest unit that can be split, and try again.
    const candidates = [...layout.units].sort((a, b) => weight(b) - weight(a) || compareUnits(a, b));
    let split = false;
    for (const u of candidates) {
      const children = splitUnit(u, layout.spanning);
      if (children === undefined) continue;
      layout.units = [...layout.units.filter((x) => x !== u), ...children].sort(compareUnits);
      split = true;
      break;
    }
    if (!split) throw tooLarge();
    // Once the units' own patterns fill a policy, finer splitting only makes things worse.
    if (layout.units.reduce((n, u) => n + unitPattern(u).length + 3, 0) > SCP_MAX_CHARACTERS) throw tooLarge();
  }
}
