// Organizations DescribeEffectivePolicy for BEDROCK_POLICY: "the aggregation of any policies of the
// specified type that the account inherits, plus any policy of that type that is directly attached
// to the account"; it applies only to management policies, not to SCPs or RCPs, and "you can call
// this operation from any account in an organization" [sdk DescribeEffectivePolicy documentation;
// doc "Understanding management policy inheritance"].
import { effectiveBedrockPolicy } from "../bedrock-policy.js";
import type { CallContext } from "../context.js";
import { AwsError } from "../errors.js";

const MANAGEMENT_TYPES = new Set([
  "AISERVICES_OPT_OUT_POLICY",
  "BACKUP_POLICY",
  "BEDROCK_POLICY",
  "CHATBOT_POLICY",
  "DECLARATIVE_POLICY_EC2",
  "GUARDDUTY_POLICY",
  "INSPECTOR_POLICY",
  "NETWORK_SECURITY_DIRECTOR_POLICY",
  "S3_POLICY",
  "SECURITYHUB_CSPM_POLICY",
  "SECURITYHUB_POLICY",
  "TAG_POLICY",
  "UPGRADE_ROLLOUT_POLICY",
]);

export function describeEffectivePolicy(ctx: CallContext, input: Record<string, unknown>) {
  const { state } = ctx;
  const type = input.PolicyType;
  const target = typeof input.TargetId === "string" ? input.TargetId : ctx.caller.account;
  if (typeof type !== "string" || !MANAGEMENT_TYPES.has(type))
    throw new AwsError("InvalidInputException", "You provided a value that does not match the required pattern.", 400, {
      Reason: "INVALID_ENUM_POLICY_TYPE",
    });
  if (!state.accounts.has(target))
    throw new AwsError(
      "TargetNotFoundException",
      "We can't find a root, OU, account, or email address that you specified.",
      400,
    );
  // A member may read its own effective policy only; the management account reads any account's.
  if (ctx.caller.account !== state.organization.managementAccountId && target !== ctx.caller.account)
    throw new AwsError("AccessDeniedException", "You don't have permissions to access this resource.", 400);
  const content = type === "BEDROCK_POLICY" ? effectiveBedrockPolicy(state, target) : undefined;
  if (content === undefined)
    throw new AwsError(
      "EffectivePolicyNotFoundException",
      "We can't find an effective policy of the specified type.",
      400,
    );
  return {
    EffectivePolicy: {
      PolicyContent: JSON.stringify(content),
      LastUpdatedTimestamp: ctx.now().getTime() / 1000,
      TargetId: target,
      PolicyType: type,
    },
  };
}
