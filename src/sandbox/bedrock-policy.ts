// Organizations BEDROCK_POLICY (org-wide enforced guardrails): the effective policy of an account,
// computed with the inheritance rules of management policies (root → OUs → account, a child's
// `@@assign` replaces the inherited value), and the check AWS warns about: "An incorrect or
// malformed identifier will cause all Amazon Bedrock API calls across the target organization to
// fail" [doc "Best practices for using Amazon Bedrock policies"; syntax: "Amazon Bedrock policy
// syntax and examples" — identifier = guardrail ARN followed by `:version`].
import { isId, parseArn } from "../kernel/aws-ids.js";
import { pathToRoot, type SandboxState } from "./state.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Deep-merges a child management policy over its parent: `@@assign` values replace, objects merge. */
function mergeManagement(parent: Json, child: Json): Json {
  const out: Json = { ...parent };
  for (const [k, v] of Object.entries(child)) {
    if (k.startsWith("@@") && k !== "@@assign") continue;
    const prev = out[k];
    out[k] = isObject(v) && isObject(prev) && !("@@assign" in v) ? mergeManagement(prev, v) : v;
  }
  return out;
}

/** Replaces every `{ "@@assign": x }` by `x` (what DescribeEffectivePolicy shows). */
function resolveOperators(v: unknown): unknown {
  if (!isObject(v)) return v;
  if ("@@assign" in v) return resolveOperators(v["@@assign"]);
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !k.startsWith("@@"))
      .map(([k, x]) => [k, resolveOperators(x)]),
  );
}

/** The effective BEDROCK_POLICY of an account, or undefined when none applies. */
export function effectiveBedrockPolicy(state: SandboxState, accountId: string): Json | undefined {
  const bedrock = [...state.policies.values()].filter((p) => p.type === "BEDROCK_POLICY");
  let merged: Json | undefined;
  for (const target of pathToRoot(state, accountId)) {
    for (const p of bedrock) {
      if (!p.targets.has(target)) continue;
      let doc: unknown;
      try {
        doc = JSON.parse(p.content);
      } catch {
        continue;
      }
      if (isObject(doc)) merged = mergeManagement(merged ?? {}, doc);
    }
  }
  return merged === undefined ? undefined : (resolveOperators(merged) as Json);
}

/**
 * Why an identifier is malformed, or undefined when it is fine: "Guardrail ARN, followed by :version"
 * — a version, not a draft, the guardrail "created and used in the specified region" [doc "Amazon
 * Bedrock policy syntax and examples"]; guardrail ids are `[a-z0-9]+` [doc Bedrock API reference,
 * guardrailIdentifier pattern] (the kernel's `guardrailVersionArn`).
 */
export function guardrailIdentifierProblem(identifier: unknown, region: string): string | undefined {
  if (typeof identifier !== "string" || identifier === "") return "is missing";
  if (!isId("guardrailVersionArn", identifier)) return "is not a guardrail ARN with a numeric version";
  if (parseArn(identifier)?.region !== region) return `is not in ${region}`;
  return undefined;
}

/** The first malformed guardrail identifier in the account's effective policy, if any. */
export function malformedGuardrail(state: SandboxState, accountId: string): string | undefined {
  const bedrock = effectiveBedrockPolicy(state, accountId)?.bedrock;
  const inference = isObject(bedrock) ? bedrock.guardrail_inference : undefined;
  if (!isObject(inference)) return undefined;
  for (const [region, configs] of Object.entries(inference)) {
    if (!isObject(configs)) continue;
    for (const config of Object.values(configs)) {
      const identifier = isObject(config) ? config.identifier : undefined;
      if (guardrailIdentifierProblem(identifier, region) !== undefined) return String(identifier);
    }
  }
  return undefined;
}
