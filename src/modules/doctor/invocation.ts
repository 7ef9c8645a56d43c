// What an invocation asks IAM and the organization's policies for: bedrock:InvokeModel on the
// model ARN in the calling Region, or — through an inference profile — on the profile ARN and on
// the model in every destination Region (with bedrock:InferenceProfileArn), plus the Region-less
// model ARN with aws:RequestedRegion "unspecified" for global profiles. This is how AWS authorizes
// cross-Region inference, and why allowing the profile alone is not enough.
import { parseArn, parseAssumedRoleArn } from "../../kernel/aws-ids.js";
import type { EvaluationRequest } from "../../lib/policy-evaluator.js";
import { foundationModelArn, REGIONLESS } from "../catalog/arns.js";

export const INVOKE = "bedrock:InvokeModel";
export const INVOKE_STREAM = "bedrock:InvokeModelWithResponseStream";
/** Converse needs InvokeModel; ConverseStream needs InvokeModelWithResponseStream. */
export const INVOKE_ACTIONS = [INVOKE, INVOKE_STREAM] as const;

/** What is invoked: a model directly, or an inference profile serving it. */
export type InvocationTarget =
  | { kind: "model"; modelId: string }
  | {
      kind: "profile";
      modelId: string;
      profileId: string;
      profileArn: string;
      /** Destination Regions (empty for a global profile). */
      destinations: string[];
      global: boolean;
    };

export interface InvocationCheck {
  resource: string;
  context: Record<string, string>;
}

/** The resources and condition keys one invocation is authorized on. */
export function invocationChecks(
  target: InvocationTarget,
  region: string,
  principal: { arn: string; account: string },
): InvocationCheck[] {
  const base = { "aws:PrincipalArn": principal.arn, "aws:PrincipalAccount": principal.account };
  if (target.kind === "model") {
    return [
      {
        resource: foundationModelArn(region, target.modelId),
        context: { ...base, "aws:RequestedRegion": region },
      },
    ];
  }
  const viaProfile = { ...base, "bedrock:InferenceProfileArn": target.profileArn };
  const checks: InvocationCheck[] = [
    { resource: target.profileArn, context: { ...base, "aws:RequestedRegion": region } },
  ];
  if (target.global) {
    checks.push(
      {
        resource: foundationModelArn(region, target.modelId),
        context: { ...viaProfile, "aws:RequestedRegion": region },
      },
      {
        resource: foundationModelArn(REGIONLESS, target.modelId),
        context: { ...viaProfile, "aws:RequestedRegion": "unspecified" },
      },
    );
  } else {
    for (const dest of target.destinations) {
      checks.push({
        resource: foundationModelArn(dest, target.modelId),
        context: { ...viaProfile, "aws:RequestedRegion": dest },
      });
    }
  }
  return checks;
}

export const toRequest = (action: string, check: InvocationCheck): EvaluationRequest => ({
  action,
  resource: check.resource,
  context: check.context,
});

/**
 * The IAM role ARN behind a principal ARN: an assumed-role session
 * (`arn:aws:sts::A:assumed-role/R/session`) is evaluated as its role. The session ARN drops the
 * role's path (IAM Identity Center roles live under `/aws-reserved/sso.amazonaws.com/…`), so the
 * role is looked up by name (iam:GetRole); when that cannot be read, `arn:aws:iam::A:role/R`.
 */
export async function principalRoleArn(
  arn: string,
  getRole: (roleName: string) => Promise<{ arn: string }>,
): Promise<string> {
  const s = parseAssumedRoleArn(arn);
  if (s === undefined) return arn;
  const pathless = `arn:${s.partition}:iam::${s.accountId}:role/${s.roleName}`;
  try {
    return (await getRole(s.roleName)).arn || pathless;
  } catch {
    return pathless;
  }
}

export const accountOfArn = (arn: string): string | undefined => parseArn(arn)?.accountId || undefined;
