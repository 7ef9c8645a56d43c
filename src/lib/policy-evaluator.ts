// A small IAM policy evaluator: the statements and conditions that decide Bedrock access in an
// organization (SCP deny-lists and allow-lists, Region and inference-profile conditions). Pure
// functions, so the product (reconciliation, the access doctor) and the sandbox (Converse, IAM
// simulation) share one set of semantics. The sandbox re-exports it from src/sandbox.

import { ipInCidr } from "./ip-address.js";
import { wildcardMatch } from "./wildcard.js";

export { wildcardMatch };
export type ContextValue = string | readonly string[] | undefined;
export type RequestContextValues = Readonly<Record<string, ContextValue>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean | number>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

export interface NamedPolicy {
  id: string;
  document: PolicyDocument;
}

export interface EvaluationRequest {
  action: string;
  resource: string;
  /** Condition keys (case-insensitive names), e.g. aws:RequestedRegion, bedrock:InferenceProfileArn. */
  context?: RequestContextValues;
}

export type Decision = "allowed" | "explicitDeny" | "implicitDeny";

export interface MatchedStatement {
  policyId: string;
  statementIndex: number;
  sid?: string;
  effect: "Allow" | "Deny";
}

export interface Evaluation {
  decision: Decision;
  matched: MatchedStatement[];
}

export class PolicyDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyDocumentError";
  }
}

const toList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Parses and structurally checks a policy document (JSON text or object). */
export function parsePolicyDocument(input: string | object): PolicyDocument {
  let raw: unknown;
  if (typeof input === "string") {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      throw new PolicyDocumentError(`policy is not valid JSON: ${(err as Error).message}`);
    }
  } else raw = input;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new PolicyDocumentError("policy must be a JSON object");
  const statements = (raw as { Statement?: unknown }).Statement;
  if (statements === undefined) throw new PolicyDocumentError("policy has no Statement");
  const list = Array.isArray(statements) ? statements : [statements];
  if (list.length === 0) throw new PolicyDocumentError("policy has an empty Statement");
  list.forEach((s, i) => {
    if (s === null || typeof s !== "object") throw new PolicyDocumentError(`Statement[${i}] must be an object`);
    const st = s as Record<string, unknown>;
    if (st.Effect !== "Allow" && st.Effect !== "Deny")
      throw new PolicyDocumentError(`Statement[${i}].Effect must be Allow or Deny`);
    if ((st.Action === undefined) === (st.NotAction === undefined))
      throw new PolicyDocumentError(`Statement[${i}] needs exactly one of Action or NotAction`);
    if (st.Resource !== undefined && st.NotResource !== undefined)
      throw new PolicyDocumentError(`Statement[${i}] cannot have both Resource and NotResource`);
    for (const k of ["Action", "NotAction", "Resource", "NotResource"]) {
      const v = st[k];
      if (v !== undefined && typeof v !== "string" && !(Array.isArray(v) && v.every((x) => typeof x === "string")))
        throw new PolicyDocumentError(`Statement[${i}].${k} must be a string or a list of strings`);
    }
    if (st.Condition !== undefined && (typeof st.Condition !== "object" || st.Condition === null))
      throw new PolicyDocumentError(`Statement[${i}].Condition must be an object`);
  });
  return { Version: (raw as { Version?: string }).Version, Statement: list as PolicyStatement[] };
}

function lookup(context: RequestContextValues, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === lower) return v === undefined ? undefined : typeof v === "string" ? [v] : [...v];
  }
  return undefined;
}

/** Substitutes `${aws:PrincipalAccount}`-style policy variables from the request context. */
function substitute(value: string, context: RequestContextValues): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    if (key === "*" || key === "?" || key === "$") return key;
    const v = lookup(context, key);
    return v?.[0] ?? whole;
  });
}

type Matcher = (policyValue: string, contextValue: string) => boolean;

// Numeric and date operators ("IAM JSON policy elements: Condition operators"): the context value
// is compared with the policy value (`NumericLessThan` holds when the request's number is less);
// a value that is not a number (or a date) matches nothing, so a Deny on it does not apply.
const toNumber = (v: string): number => (v.trim() === "" ? Number.NaN : Number(v));
/** ISO 8601 dates or epoch seconds ("Date condition operators"). */
const toEpochMs = (v: string): number => (/^\d+$/.test(v.trim()) ? Number(v) * 1000 : Date.parse(v));

function numericMatchers(prefix: "numeric" | "date", parse: (v: string) => number) {
  const cmp =
    (test: (c: number, p: number) => boolean): Matcher =>
    (p, c) => {
      const pn = parse(p);
      const cn = parse(c);
      return !Number.isNaN(pn) && !Number.isNaN(cn) && test(cn, pn);
    };
  const eq = cmp((c, p) => c === p);
  return {
    [`${prefix}equals`]: { match: eq, negated: false },
    [`${prefix}notequals`]: { match: eq, negated: true },
    [`${prefix}lessthan`]: { match: cmp((c, p) => c < p), negated: false },
    [`${prefix}lessthanequals`]: { match: cmp((c, p) => c <= p), negated: false },
    [`${prefix}greaterthan`]: { match: cmp((c, p) => c > p), negated: false },
    [`${prefix}greaterthanequals`]: { match: cmp((c, p) => c >= p), negated: false },
  };
}

const MATCHERS: Record<string, { match: Matcher; negated: boolean }> = {
  stringequals: { match: (p, c) => p === c, negated: false },
  stringnotequals: { match: (p, c) => p === c, negated: true },
  stringequalsignorecase: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  stringnotequalsignorecase: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  stringlike: { match: (p, c) => wildcardMatch(p, c), negated: false },
  stringnotlike: { match: (p, c) => wildcardMatch(p, c), negated: true },
  // ArnEquals and ArnLike both accept wildcards in IAM.
  arnequals: { match: (p, c) => wildcardMatch(p, c), negated: false },
  arnlike: { match: (p, c) => wildcardMatch(p, c), negated: false },
  arnnotequals: { match: (p, c) => wildcardMatch(p, c), negated: true },
  arnnotlike: { match: (p, c) => wildcardMatch(p, c), negated: true },
  bool: { match: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  ...numericMatchers("numeric", toNumber),
  ...numericMatchers("date", toEpochMs),
  ipaddress: { match: ipInCidr, negated: false },
  notipaddress: { match: ipInCidr, negated: true },
};

/** Evaluates one `Operator: { key: values }` block; unknown operators never match (fail closed for Allow). */
export function evaluateCondition(
  operator: string,
  key: string,
  rawValues: string | string[] | boolean | number,
  context: RequestContextValues,
): boolean {
  let op = operator;
  let setOp: "any" | "all" | undefined;
  if (op.startsWith("ForAnyValue:")) {
    setOp = "any";
    op = op.slice("ForAnyValue:".length);
  } else if (op.startsWith("ForAllValues:")) {
    setOp = "all";
    op = op.slice("ForAllValues:".length);
  }
  let ifExists = false;
  if (op.endsWith("IfExists")) {
    ifExists = true;
    op = op.slice(0, -"IfExists".length);
  }
  const policyValues = toList(rawValues as string | string[]).map((v) => substitute(String(v), context));
  const present = lookup(context, key);
  if (op.toLowerCase() === "null") {
    const wantAbsent = policyValues.some((v) => v.toLowerCase() === "true");
    const absent = present === undefined || present.length === 0;
    return wantAbsent ? absent : !absent;
  }
  const m = MATCHERS[op.toLowerCase()];
  if (m === undefined) return false;
  // A context value satisfies the operator when it matches some policy value (or, negated, none).
  const satisfies = (c: string) => {
    const hit = policyValues.some((p) => m.match(p, c));
    return m.negated ? !hit : hit;
  };
  if (present === undefined || present.length === 0) {
    if (setOp === "all") return true;
    if (setOp === "any") return false;
    return ifExists || m.negated;
  }
  if (setOp === "all") return present.every(satisfies);
  if (setOp === "any") return present.some(satisfies);
  return satisfies(present[0] as string);
}

function statementApplies(st: PolicyStatement, req: EvaluationRequest): boolean {
  const context = req.context ?? {};
  const actionHit = (patterns: string[]) => patterns.some((p) => wildcardMatch(p, req.action, true));
  if (st.Action !== undefined && !actionHit(toList(st.Action))) return false;
  if (st.NotAction !== undefined && actionHit(toList(st.NotAction))) return false;
  const resourceHit = (patterns: string[]) => patterns.some((p) => wildcardMatch(substitute(p, context), req.resource));
  if (st.Resource !== undefined && !resourceHit(toList(st.Resource))) return false;
  if (st.NotResource !== undefined && resourceHit(toList(st.NotResource))) return false;
  for (const [operator, block] of Object.entries(st.Condition ?? {})) {
    for (const [key, values] of Object.entries(block)) {
      if (!evaluateCondition(operator, key, values, context)) return false;
    }
  }
  return true;
}

/** Identity-policy semantics: an explicit Deny wins, else any Allow, else implicit deny. */
export function evaluatePolicies(policies: readonly NamedPolicy[], req: EvaluationRequest): Evaluation {
  const allows: MatchedStatement[] = [];
  const denies: MatchedStatement[] = [];
  for (const policy of policies) {
    policy.document.Statement.forEach((st, statementIndex) => {
      if (!statementApplies(st, req)) return;
      const hit: MatchedStatement = { policyId: policy.id, statementIndex, effect: st.Effect };
      if (st.Sid !== undefined) hit.sid = st.Sid;
      (st.Effect === "Deny" ? denies : allows).push(hit);
    });
  }
  if (denies.length > 0) return { decision: "explicitDeny", matched: denies };
  if (allows.length > 0) return { decision: "allowed", matched: allows };
  return { decision: "implicitDeny", matched: [] };
}

export interface ScpLevel {
  /** root id, OU id or account id. */
  targetId: string;
  policies: readonly NamedPolicy[];
}

export interface ScpEvaluation extends Evaluation {
  /** The first level (root → OUs → account) where no attached SCP allows the request. */
  missingAllowAt?: string;
}

/**
 * SCP semantics: every level from the root down to the account must have at least one SCP that
 * allows the request, and no SCP anywhere may deny it.
 */
export function evaluateScps(levels: readonly ScpLevel[], req: EvaluationRequest): ScpEvaluation {
  const denies: MatchedStatement[] = [];
  const allows: MatchedStatement[] = [];
  let missingAllowAt: string | undefined;
  for (const level of levels) {
    const ev = evaluatePolicies(level.policies, req);
    if (ev.decision === "explicitDeny") denies.push(...ev.matched);
    else if (ev.decision === "allowed") allows.push(...ev.matched);
    else missingAllowAt ??= level.targetId;
  }
  if (denies.length > 0) return { decision: "explicitDeny", matched: denies };
  if (missingAllowAt !== undefined) return { decision: "implicitDeny", matched: [], missingAllowAt };
  return { decision: "allowed", matched: allows };
}
