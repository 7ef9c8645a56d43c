// Pasted AWS error text → the gate most likely at fault and the fix, from a table of the wordings
// Bedrock, STS and IAM actually use. Pure and table-driven: a new wording is one more row. The
// first row that matches wins, so specific wordings come before generic ones (an AccessDenied with
// "service control policy" is an org-policy problem, a bare AccessDenied an IAM one).
import { isId } from "../../kernel/aws-ids.js";
import type { Gate } from "../reachability/reachability.types.js";
import { CLASSIFIED_GATES, type ErrorDiagnosis } from "./doctor.types.js";
import { RULES, type Rule } from "./error-rules.js";

const CODE_RE =
  /\b([A-Z][A-Za-z]*(?:Exception|Error|Denied|TokenId|Expired|Throttling|Token|Failure|DoesNotMatch|Required|Input|Entity))\b/g;
const KNOWN_CODES = new Set(RULES.flatMap((r) => r.codes ?? []));

/** The AWS exception name in the text: `An error occurred (X)`, `X:` prefixes, `"__type": "X"`, `<Code>X</Code>`. */
export function extractErrorCode(text: string): string | undefined {
  const explicit =
    /An error occurred \(([A-Za-z]+)\)/.exec(text) ??
    /"__type"\s*:\s*"(?:[\w.]+#)?([A-Za-z]+)"/.exec(text) ??
    /<Code>([A-Za-z]+)<\/Code>/.exec(text) ??
    /x-amzn-errortype:\s*([A-Za-z]+)/i.exec(text);
  if (explicit?.[1]) return explicit[1];
  const found = [...text.matchAll(CODE_RE)].map((m) => m[1] as string);
  return found.find((c) => KNOWN_CODES.has(c)) ?? found[0];
}

/** What the text says about the call: action, resource, principal, Region of the resource. */
export function extractDetails(text: string): ErrorDiagnosis["details"] {
  const out: ErrorDiagnosis["details"] = {};
  const principal = /User:\s*(arn:\S+)/i.exec(text)?.[1];
  if (principal && isId("principalArn", principal)) out.principalArn = principal;
  const action = /perform:?\s*([a-z0-9-]+:[A-Za-z*]+)/i.exec(text);
  if (action?.[1]) out.action = action[1];
  const resource = /on resource:?\s*(arn:[^\s"'`,]+)/i.exec(text);
  if (resource?.[1]) {
    out.resource = resource[1].replace(/[.;)]+$/, "");
    const region = out.resource.split(":")[3];
    if (region) out.region = region;
    const model = /(?:foundation-model|inference-profile)\/([^\s/]+)$/.exec(out.resource);
    if (model?.[1]) out.modelId = model[1];
  }
  const operation = /when calling the (\w+) operation/.exec(text);
  if (operation?.[1]) out.operation = operation[1];
  return out;
}

function matches(rule: Rule, code: string | undefined, text: string): boolean {
  if (rule.codes && rule.codes.length > 0 && (code === undefined || !rule.codes.includes(code))) return false;
  if (rule.pattern && !rule.pattern.test(text)) return false;
  return rule.codes !== undefined || rule.pattern !== undefined;
}

/** Classifies pasted error text; never throws. Unrecognised text is gate `unknown`. */
export function classifyError(input: string): ErrorDiagnosis {
  const text = input.trim();
  const code = extractErrorCode(text);
  const details = extractDetails(text);
  const rule = RULES.find((r) => matches(r, code, text));
  if (rule === undefined) {
    return {
      gate: "unknown",
      likelyGate: null,
      rule: null,
      code: code ?? null,
      confidence: "low",
      explanation: "The text does not match a known Bedrock, STS or IAM error.",
      fix: "Paste the full error message (exception name and text), or run the live checks with account, Region and model.",
      details,
    };
  }
  const family = CLASSIFIED_GATES[rule.gate] ?? [];
  return {
    gate: rule.gate,
    likelyGate: rule.likelyGate ?? (family.length === 1 ? (family[0] as Gate) : null),
    rule: rule.id,
    code: code ?? null,
    confidence: rule.confidence,
    explanation: rule.explanation,
    fix: rule.fix,
    details,
  };
}

/** The rule ids, in evaluation order (for documentation and tests). */
export const CLASSIFIER_RULE_IDS: readonly string[] = RULES.map((r) => r.id);
