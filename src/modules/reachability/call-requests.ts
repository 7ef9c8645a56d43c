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
// - A third-party model's first call subscribes the account (subscribeRequests below).
import type { EvaluationRequest } from "../../lib/policy-evaluator.js";
import { foundationModelArn, inferenceProfileArn, REGIONLESS } from "../catalog/arns.js";
import type { AuthKind, CallPath } from "./reachability.types.js";

export const INVOKE_ACTION = "bedrock:InvokeModel";
export const MANTLE_INFERENCE_ACTION = "bedrock-mantle:CreateInference";
export const CLAUDE_PLATFORM_ACTION = "aws-external-anthropic:CreateInference";

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
}

// `bedrock:DataRetentionMode` is documented on the retention-setting calls only ("Data retention",
// IAM section), so inference requests do not carry it.
function base(f: CallContextFacts, requestedRegion: string): Record<string, string> {
  return {
    "aws:RequestedRegion": requestedRegion,
    "aws:PrincipalAccount": f.accountId,
    ...(f.principalArn !== undefined ? { "aws:PrincipalArn": f.principalArn } : {}),
  };
}

const tokenType = (auth: AuthKind) => (auth === "api_key_long_term" ? "LONG_TERM" : "SHORT_TERM");

/** The requests one call on `path` is evaluated as, in order (every one must be allowed). */
export function callRequests(path: CallPath, f: CallContextFacts): EvaluationRequest[] {
  const out: EvaluationRequest[] = [];
  // An API key is authorized first, before the model is looked at.
  if (f.auth !== "sigv4" && path.kind !== "claude_platform") {
    const mantle = path.kind === "mantle";
    out.push({
      action: mantle ? "bedrock-mantle:CallWithBearerToken" : "bedrock:CallWithBearerToken",
      resource: "*",
      context: {
        ...base(f, f.region),
        [mantle ? "bedrock-mantle:BearerTokenType" : "bedrock:bearerTokenType"]: tokenType(f.auth),
      },
    });
  }
  switch (path.kind) {
    case "direct":
      out.push({
        action: INVOKE_ACTION,
        resource: foundationModelArn(f.region, f.modelId),
        context: base(f, f.region),
      });
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
      break;
    }
    case "mantle":
      out.push({
        action: MANTLE_INFERENCE_ACTION,
        resource: path.projectArn as string,
        context: { ...base(f, f.region), "bedrock-mantle:Model": path.mantleId ?? f.modelId },
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

/**
 * The requests the first call's Marketplace subscription is evaluated as: Bedrock calls AWS
 * Marketplace on the caller's behalf (aws:CalledVia bedrock.amazonaws.com), which needs
 * ViewSubscriptions, and Subscribe for the model's product ("Grant IAM permissions to request
 * access to foundation models", "Use product ID condition keys": the product id is on Subscribe).
 */
export function subscribeRequests(f: CallContextFacts, productId: string | undefined): EvaluationRequest[] {
  const via = {
    ...base(f, f.region),
    "aws:CalledVia": ["bedrock.amazonaws.com"],
    "aws:CalledViaFirst": "bedrock.amazonaws.com",
    "aws:CalledViaLast": "bedrock.amazonaws.com",
  };
  return [
    { action: "aws-marketplace:ViewSubscriptions", resource: "*", context: via },
    {
      action: "aws-marketplace:Subscribe",
      resource: "*",
      context: { ...via, ...(productId !== undefined ? { "aws-marketplace:ProductId": productId } : {}) },
    },
  ];
}

export { inferenceProfileArn };
