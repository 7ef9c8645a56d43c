// What IAM evaluates for a call on each path: every (action, resource, condition keys) request an
// SCP or an identity policy must allow. Written from AWS's documentation:
// - bedrock-runtime (Converse, InvokeModel…): `bedrock:InvokeModel` on the foundation-model ARN
//   of the Region ("Actions, resources, and condition keys for Amazon Bedrock").
// - Inference profiles: the profile ARN in the source Region, and the foundation model in every
//   destination Region with `bedrock:InferenceProfileArn`; a global profile also needs the
//   Region-less model ARN with `aws:RequestedRegion = unspecified` ("Supported Regions and models
//   for inference profiles", "Prerequisites for inference profiles").
// - bedrock-mantle: `bedrock-mantle:CreateInference` on the project ARN
//   (`arn:aws:bedrock-mantle:<region>:<account>:project/<id>`), with `bedrock-mantle:Model`
//   ("Actions, resources, and condition keys for Amazon Bedrock Powered by AWS Mantle").
// - Claude Platform on AWS (operated by Anthropic): `aws-external-anthropic:CreateInference`
//   (`POST /v1/messages`) on the workspace ARN
//   `arn:aws:aws-external-anthropic:<region>:<account>:workspace/<id>` ("IAM actions for Claude
//   Platform on AWS").
// - A Bedrock API key: `bedrock:CallWithBearerToken` (or `bedrock-mantle:CallWithBearerToken`)
//   with `bedrock:bearerTokenType` ("Control permissions for generating and using Amazon Bedrock
//   API keys").
// - A third-party model's first call subscribes the account: the caller needs
//   `aws-marketplace:Subscribe`, `Unsubscribe` and `ViewSubscriptions`, scoped by
//   `aws-marketplace:ProductId` ("Request access to models").
import type { EvaluationRequest, RequestContextValues } from "../../lib/policy-evaluator.js";
import { foundationModelArn, inferenceProfileArn, REGIONLESS } from "../catalog/arns.js";
import type { AuthKind, CallPath, RetentionMode } from "./reachability.types.js";

export const INVOKE_ACTION = "bedrock:InvokeModel";
export const MANTLE_INFERENCE_ACTION = "bedrock-mantle:CreateInference";
export const CLAUDE_PLATFORM_ACTION = "aws-external-anthropic:CreateInference";
export const MARKETPLACE_SUBSCRIBE_ACTIONS = [
  "aws-marketplace:Subscribe",
  "aws-marketplace:Unsubscribe",
  "aws-marketplace:ViewSubscriptions",
] as const;

export const claudeWorkspaceArn = (region: string, account: string, workspaceId: string): string =>
  `arn:aws:aws-external-anthropic:${region}:${account}:workspace/${workspaceId}`;

export const mantleProjectArn = (region: string, account: string, projectId: string): string =>
  `arn:aws:bedrock-mantle:${region}:${account}:project/${projectId}`;

export interface CallContextFacts {
  accountId: string;
  region: string;
  modelId: string;
  /** The principal's ARN when one is judged (conditions on it are then decidable). */
  principalArn?: string;
  auth: AuthKind;
  /** The account-Region's (or the mantle project's) retention mode, when known. */
  retentionMode?: RetentionMode;
}

function base(f: CallContextFacts, requestedRegion: string): Record<string, string> {
  return {
    "aws:RequestedRegion": requestedRegion,
    "aws:PrincipalAccount": f.accountId,
    ...(f.principalArn !== undefined ? { "aws:PrincipalArn": f.principalArn } : {}),
    ...(f.retentionMode !== undefined ? { "bedrock:DataRetentionMode": f.retentionMode } : {}),
  };
}

const bearer = (auth: AuthKind): RequestContextValues | undefined =>
  auth === "sigv4"
    ? undefined
    : { "bedrock:bearerTokenType": auth === "api_key_long_term" ? "LONG_TERM" : "SHORT_TERM" };

/** The requests one call on `path` is evaluated as (every one must be allowed). */
export function callRequests(path: CallPath, f: CallContextFacts): EvaluationRequest[] {
  const out: EvaluationRequest[] = [];
  const token = bearer(f.auth);
  switch (path.kind) {
    case "direct":
      out.push({
        action: INVOKE_ACTION,
        resource: foundationModelArn(f.region, f.modelId),
        context: base(f, f.region),
      });
      if (token)
        out.push({ action: "bedrock:CallWithBearerToken", resource: "*", context: { ...base(f, f.region), ...token } });
      break;
    case "profile":
    case "global_profile": {
      const profileArn = inferenceProfileArn(f.region, f.accountId, path.profileId as string);
      out.push({ action: INVOKE_ACTION, resource: profileArn, context: base(f, f.region) });
      const via = (requested: string) => ({ ...base(f, requested), "bedrock:InferenceProfileArn": profileArn });
      if (path.kind === "global_profile") {
        out.push(
          { action: INVOKE_ACTION, resource: foundationModelArn(f.region, f.modelId), context: via(f.region) },
          { action: INVOKE_ACTION, resource: foundationModelArn(REGIONLESS, f.modelId), context: via("unspecified") },
        );
      } else {
        for (const dest of path.destinations)
          out.push({ action: INVOKE_ACTION, resource: foundationModelArn(dest, f.modelId), context: via(dest) });
      }
      if (token)
        out.push({ action: "bedrock:CallWithBearerToken", resource: "*", context: { ...base(f, f.region), ...token } });
      break;
    }
    case "mantle":
      out.push({
        action: MANTLE_INFERENCE_ACTION,
        resource: path.projectArn as string,
        context: { ...base(f, f.region), "bedrock-mantle:Model": f.modelId },
      });
      if (token)
        out.push({
          action: "bedrock-mantle:CallWithBearerToken",
          resource: "*",
          context: { ...base(f, f.region), ...token },
        });
      break;
    case "claude_platform":
      out.push({
        action: CLAUDE_PLATFORM_ACTION,
        resource: path.workspaceArn ?? claudeWorkspaceArn(f.region, f.accountId, "*"),
        context: base(f, f.region),
      });
      break;
  }
  return out;
}

/** The requests the first call's Marketplace subscription is evaluated as. */
export function subscribeRequests(f: CallContextFacts, productId: string | undefined): EvaluationRequest[] {
  return MARKETPLACE_SUBSCRIBE_ACTIONS.map((action) => ({
    action,
    resource: "*",
    context: {
      "aws:PrincipalAccount": f.accountId,
      ...(f.principalArn !== undefined ? { "aws:PrincipalArn": f.principalArn } : {}),
      ...(productId !== undefined ? { "aws-marketplace:ProductId": productId } : {}),
    },
  }));
}

export { inferenceProfileArn };
