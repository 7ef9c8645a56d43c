// Which service a request is for: the SigV4 scope names it; unsigned requests are guessed from
// their framing so that even the "missing authentication" error uses the right protocol.
import type { RawRequest } from "./context.js";
import type { ServiceName } from "./scenario.js";

/** Which service an unsigned request was meant for, so its error uses the right protocol. */
export function guessService(req: RawRequest): ServiceName {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") return target.startsWith("CloudTrail") ? "cloudtrail" : "organizations";
  const form = req.body.toString("utf8");
  if (/(^|&)Version=2010-05-08(&|$)/.test(form)) return "iam";
  if (/(^|&)Action=/.test(form)) return "sts";
  if (req.path.startsWith("/model/")) return "bedrock-runtime";
  if (
    /^\/(foundation-model|inference-profiles|logging|enforcedGuardrails|use-case|list-foundation|create-foundation|delete-foundation)/.test(
      req.path,
    )
  )
    return "bedrock";
  return "s3";
}

/** The service a signed request is for: its SigV4 scope, with Bedrock Runtime split off by path. */
export function signedService(
  scopeService: string,
  raw: RawRequest,
  known: (name: string) => boolean,
): ServiceName | undefined {
  if (scopeService === "bedrock") return raw.path.startsWith("/model/") ? "bedrock-runtime" : "bedrock";
  return known(scopeService) ? (scopeService as ServiceName) : undefined;
}
