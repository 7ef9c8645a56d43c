// The effective Organizations BEDROCK_POLICY of an account, computed from the policies attached on
// its lineage (root → OUs → account), and whether its guardrail identifiers are well-formed.
// Syntax ("Amazon Bedrock policy syntax and examples"):
//   { "bedrock": { "guardrail_inference": { "<region>": { "<config>": {
//       "identifier": { "@@assign": "arn:aws:bedrock:<region>:<account>:guardrail/<id>:<version>" }, … } } } } }
// The identifier must be a guardrail ARN with a (non-draft) version, in the Region it is configured
// for; "an incorrect or malformed identifier will cause all Amazon Bedrock API calls across the
// target organization to fail" ("Best practices for using Amazon Bedrock policies"). Inheritance
// follows the management-policy operators this service needs: a nearer `@@assign` replaces a
// farther one for the same Region and configuration.
import { isId, parseArn } from "../../kernel/aws-ids.js";
import type { BedrockPolicyFacts } from "./reachability.types.js";

export interface AttachedPolicy {
  id: string;
  content: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;

/** Why an identifier is malformed for its Region, or undefined when it is fine. */
export function guardrailIdentifierProblem(identifier: unknown, region: string): string | undefined {
  if (typeof identifier !== "string" || identifier === "") return "missing";
  if (!isId("guardrailVersionArn", identifier)) return "not a guardrail ARN with a version";
  if (parseArn(identifier)?.region !== region)
    return `configured for ${region} but names a guardrail in another Region`;
  return undefined;
}

/** Lineage root first; each level's policies. */
export function effectiveBedrockPolicy(levels: ReadonlyArray<readonly AttachedPolicy[]>): BedrockPolicyFacts & {
  guardrails: Array<{ region: string; config: string; identifier: unknown; policyId: string }>;
} {
  const effective = new Map<string, { region: string; config: string; identifier: unknown; policyId: string }>();
  const policyIds: string[] = [];
  const unreadable: string[] = [];
  for (const level of levels) {
    for (const policy of level) {
      policyIds.push(policy.id);
      let doc: unknown;
      try {
        doc = JSON.parse(policy.content);
      } catch {
        unreadable.push(policy.id);
        continue;
      }
      const byRegion = obj(obj(obj(doc)?.bedrock)?.guardrail_inference) ?? {};
      for (const [region, configs] of Object.entries(byRegion)) {
        for (const [config, body] of Object.entries(obj(configs) ?? {})) {
          const ident = obj(obj(body)?.identifier);
          if (ident === undefined || !("@@assign" in ident)) continue;
          effective.set(`${region}\u0000${config}`, {
            region,
            config,
            identifier: ident["@@assign"],
            policyId: policy.id,
          });
        }
      }
    }
  }
  const guardrails = [...effective.values()];
  const invalid = guardrails.flatMap((g) => {
    const problem = guardrailIdentifierProblem(g.identifier, g.region);
    return problem ? [`${String(g.identifier)} (${g.region}/${g.config} in ${g.policyId}: ${problem})`] : [];
  });
  return {
    policyIds,
    invalidGuardrails: [...invalid, ...unreadable.map((id) => `policy ${id} is not JSON`)],
    guardrails,
  };
}
