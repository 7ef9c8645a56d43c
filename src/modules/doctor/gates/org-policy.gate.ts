// Gate 4, organization policy: the SCPs in force on the account's path (root → OUs → account),
// read live from Organizations (the inventory when that fails), evaluated against the invoke
// actions on every resource the invocation needs, with the condition keys AWS sets. The denying
// statement is quoted. Bedrock org policies (guardrail enforcement) are listed: they shape calls
// but do not deny them.
import type { AwsAccess } from "../../../aws/aws-access.js";
import type { AwsGateError } from "../../../aws/errors.js";
import {
  evaluateScps,
  type NamedPolicy,
  PolicyDocumentError,
  parsePolicyDocument,
  type ScpEvaluation,
  type ScpLevel,
} from "../../../lib/policy-evaluator.js";
import type { GateResult } from "../doctor.types.js";
import { INVOKE, INVOKE_STREAM, type InvocationCheck, toRequest } from "../invocation.js";

export interface OrgPolicies {
  source: "organizations" | "inventory";
  managementAccountId: string | null;
  /** account, OUs, root: nearest first. */
  lineage: string[];
  /** Root first, as SCPs are evaluated. */
  levels: readonly ScpLevel[];
  names: Map<string, string>;
  /** Bedrock org policies on the path, with the guardrails they enforce per Region. */
  bedrockPolicies: {
    id: string;
    name: string;
    targetId: string;
    guardrails: Record<string, string[]>;
    /** The policy document as Organizations returns it (absent when read from the inventory). */
    content?: string;
  }[];
}

/**
 * Guardrail identifiers a BEDROCK_POLICY enforces, by Region
 * (`bedrock.guardrail_inference.<region>.<config>.identifier.@@assign`); unreadable content gives none.
 */
export function bedrockPolicyGuardrails(content: string | undefined): Record<string, string[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(content ?? "");
  } catch {
    return {};
  }
  const byRegion = (doc as { bedrock?: { guardrail_inference?: unknown } } | null)?.bedrock?.guardrail_inference;
  if (byRegion === null || typeof byRegion !== "object") return {};
  const out: Record<string, string[]> = {};
  for (const [region, configs] of Object.entries(byRegion as Record<string, unknown>)) {
    if (configs === null || typeof configs !== "object") continue;
    const ids = Object.values(configs as Record<string, { identifier?: Record<string, unknown> }>)
      .map((c) => c?.identifier?.["@@assign"])
      .filter((v): v is string => typeof v === "string");
    if (ids.length > 0) out[region] = ids;
  }
  return out;
}

/** Reads the effective SCPs of an account from Organizations. */
export async function loadOrgPolicies(aws: AwsAccess, accountId: string): Promise<OrgPolicies> {
  const org = aws.organizations();
  const description = await org.describeOrganization();
  const lineage = [accountId];
  for (let child = accountId, guard = 0; guard < 10; guard++) {
    const [parent] = await org.listParents(child);
    if (parent?.Id === undefined) break;
    lineage.push(parent.Id);
    if (parent.Type === "ROOT") break;
    child = parent.Id;
  }
  const names = new Map<string, string>();
  const documents = new Map<string, NamedPolicy["document"]>();
  const bedrockPolicies: OrgPolicies["bedrockPolicies"] = [];
  const levels: ScpLevel[] = [];
  for (const targetId of [...lineage].reverse()) {
    const [scps, bedrock] = await Promise.all([
      org.listPoliciesForTarget(targetId, "SERVICE_CONTROL_POLICY"),
      org.listPoliciesForTarget(targetId, "BEDROCK_POLICY").catch(() => []),
    ]);
    for (const b of bedrock) {
      if (!b.Id) continue;
      const content = (await org.describePolicy(b.Id))?.Content;
      bedrockPolicies.push({
        id: b.Id,
        name: b.Name ?? b.Id,
        targetId,
        guardrails: bedrockPolicyGuardrails(content),
        ...(content !== undefined ? { content } : {}),
      });
    }
    const policies: NamedPolicy[] = [];
    for (const summary of scps) {
      const id = summary.Id;
      if (id === undefined) continue;
      names.set(id, summary.Name ?? id);
      let document = documents.get(id);
      if (document === undefined) {
        const policy = await org.describePolicy(id);
        try {
          document = parsePolicyDocument(policy?.Content ?? "");
        } catch (err) {
          if (err instanceof PolicyDocumentError) continue; // AWS validated it; an unreadable copy decides nothing
          throw err;
        }
        documents.set(id, document);
      }
      policies.push({ id, document });
    }
    levels.push({ targetId, policies });
  }
  return {
    source: "organizations",
    managementAccountId: description?.MasterAccountId ?? null,
    lineage,
    levels,
    names,
    bedrockPolicies,
  };
}

function quote(policies: OrgPolicies, ev: ScpEvaluation) {
  const byId = new Map(policies.levels.flatMap((l) => l.policies.map((p) => [p.id, p] as const)));
  const targets = new Map<string, string[]>();
  for (const l of policies.levels)
    for (const p of l.policies) targets.set(p.id, [...(targets.get(p.id) ?? []), l.targetId]);
  return ev.matched
    .filter((m) => m.effect === "Deny")
    .map((m) => ({
      policyId: m.policyId,
      policyName: policies.names.get(m.policyId) ?? m.policyId,
      attachedTo: targets.get(m.policyId) ?? [],
      sid: m.sid ?? null,
      statementIndex: m.statementIndex,
      statement: byId.get(m.policyId)?.document.Statement[m.statementIndex] ?? null,
    }));
}

export function evaluateOrgPolicies(input: {
  policies: OrgPolicies | undefined;
  loadError?: AwsGateError;
  accountId: string;
  checks: InvocationCheck[];
}): GateResult {
  const { policies, accountId } = input;
  if (policies === undefined) {
    const e = input.loadError;
    return {
      gate: "org_policy",
      status: "unknown",
      summary: `Could not read the organization's policies${e ? ` (${e.gate}: ${e.awsCode ?? "error"})` : ""}, and the inventory has none for the account.`,
      evidence: e ? { awsCode: e.awsCode ?? null, message: e.message } : {},
      fix: "Give the governor's hub role organizations:ListParents, ListPoliciesForTarget and DescribePolicy, or run an inventory sync.",
    };
  }
  const common = {
    source: policies.source,
    lineage: policies.lineage,
    scps: policies.levels.map((l) => ({
      targetId: l.targetId,
      policies: l.policies.map((p) => ({ id: p.id, name: policies.names.get(p.id) ?? p.id })),
    })),
    bedrockPolicies: policies.bedrockPolicies,
  };
  if (policies.managementAccountId === accountId) {
    return {
      gate: "org_policy",
      status: "pass",
      summary: "This is the management account: service control policies do not apply to it.",
      evidence: common,
      fix: null,
    };
  }
  const denials: Record<string, unknown>[] = [];
  const streamDenied: string[] = [];
  for (const check of input.checks) {
    const ev = evaluateScps(policies.levels, toRequest(INVOKE, check));
    if (ev.decision !== "allowed") {
      denials.push({
        action: INVOKE,
        resource: check.resource,
        context: check.context,
        decision: ev.decision,
        ...(ev.missingAllowAt !== undefined ? { missingAllowAt: ev.missingAllowAt } : {}),
        statements: quote(policies, ev),
      });
    }
    if (evaluateScps(policies.levels, toRequest(INVOKE_STREAM, check)).decision !== "allowed")
      streamDenied.push(check.resource);
  }
  const evidence = {
    ...common,
    resourcesChecked: input.checks.map((c) => c.resource),
    ...(streamDenied.length > 0 ? { streamingDeniedOn: streamDenied } : {}),
  };
  if (denials.length === 0) {
    return {
      gate: "org_policy",
      status: "pass",
      summary: `The SCPs on the account's path allow ${INVOKE} on ${input.checks.length} resource(s)${
        streamDenied.length > 0 ? ` (streaming, ${INVOKE_STREAM}, is denied)` : ""
      }.`,
      evidence,
      fix: null,
    };
  }
  const first = denials[0] as {
    decision: string;
    resource: string;
    missingAllowAt?: string;
    statements: ReturnType<typeof quote>;
  };
  const statement = first.statements[0];
  const who = statement
    ? `${statement.policyName} (${statement.policyId})${statement.sid ? `, statement ${statement.sid}` : `, statement #${statement.statementIndex + 1}`}`
    : undefined;
  return {
    gate: "org_policy",
    status: "fail",
    summary:
      first.decision === "explicitDeny"
        ? `SCP ${who} explicitly denies ${INVOKE} on ${first.resource}.`
        : `No SCP attached at ${first.missingAllowAt} allows ${INVOKE} on ${first.resource}.`,
    evidence: { ...evidence, denials },
    fix:
      first.decision === "explicitDeny"
        ? `Ask the organization admins to change ${who} so that it no longer denies this model from this Region (e.g. get the model approved in the catalog and recompile the SCPs); IAM cannot override an SCP deny.`
        : `Attach an SCP at ${first.missingAllowAt} that allows ${INVOKE} on this model (add it to the allow-list, or re-attach FullAWSAccess).`,
  };
}

/** The inventory's SCP levels for the account, when Organizations cannot be read live. */
export function orgPoliciesFromInventory(
  accountId: string,
  scps: { management: boolean; levels: readonly ScpLevel[] } | undefined,
  lineage: string[] | undefined,
): OrgPolicies | undefined {
  if (scps === undefined || lineage === undefined) return undefined;
  return {
    source: "inventory",
    managementAccountId: scps.management ? accountId : null,
    lineage,
    levels: scps.levels,
    names: new Map(),
    bedrockPolicies: [],
  };
}
