// Which service a request is for: the SigV4 scope names it; unsigned requests are guessed from
// their framing so that even the "missing authentication" error uses the right protocol.
import type { IncomingHttpHeaders } from "node:http";
import { isRegion } from "../kernel/aws-ids.js";
import type { RawRequest } from "./context.js";
import type { ServiceName } from "./scenario.js";

/** Which service an unsigned request was meant for, so its error uses the right protocol. */
export function guessService(req: RawRequest): ServiceName {
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") {
    // Bare (`CloudTrail_20131101.LookupEvents`) or fully qualified (`com.amazonaws.cloudtrail.v20131101.…`).
    if (/(^|\.)CloudTrail_/.test(target)) return "cloudtrail";
    if (/(^|\.)AWSLicenseManager/.test(target)) return "license-manager";
    return "organizations";
  }
  const form = req.body.toString("utf8");
  if (/(^|&)Version=2010-05-08(&|$)/.test(form)) return "iam";
  if (/(^|&)Action=/.test(form)) return "sts";
  if (req.path.startsWith("/model/")) return "bedrock-runtime";
  if (/^\/(v1|anthropic|openai)\//.test(req.path)) return apiAwsService(req.headers);
  if (
    /^\/(foundation-model|inference-profiles|logging|enforcedGuardrails|use-case|list-foundation|create-foundation|delete-foundation|data-retention)/.test(
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

/** bedrock-mantle and Claude Platform share `*.api.aws`-style paths; the workspace header tells them apart. */
function apiAwsService(headers: IncomingHttpHeaders): ServiceName {
  return typeof headers["anthropic-workspace-id"] === "string" ? "aws-external-anthropic" : "bedrock-mantle";
}

/** Services that accept an Amazon Bedrock API key (bearer token) instead of SigV4. */
export const BEARER_SERVICES = new Set<ServiceName>([
  "bedrock",
  "bedrock-runtime",
  "bedrock-mantle",
  "aws-external-anthropic",
]);

/** A bearer-token request is routed by its path, as the real per-service hosts would. */
export function bearerService(req: RawRequest): ServiceName {
  if (req.path.startsWith("/model/")) return "bedrock-runtime";
  if (/^\/(v1|anthropic|openai)\//.test(req.path)) return apiAwsService(req.headers);
  return "bedrock";
}

/** `/region/us-west-2/model/…` → path `/model/…` and Region us-west-2 (for calls whose Region the host would give). */
export function stripRegionPrefix(path: string): { path: string; region: string | undefined } {
  const m = /^\/region\/([^/]+)(\/.*)?$/.exec(path);
  if (m === null || !isRegion(m[1] as string)) return { path, region: undefined };
  return { path: m[2] ?? "/", region: m[1] };
}

/** `bedrock-runtime.us-west-2.amazonaws.com`, `bedrock-mantle.us-west-2.api.aws` → us-west-2. */
export function regionFromHost(host: string | undefined): string | undefined {
  const [name] = (host ?? "").split(":");
  const parts = (name ?? "").split(".");
  const domain = parts.slice(2).join(".");
  const region = parts[1];
  if (region === undefined || !isRegion(region) || (domain !== "amazonaws.com" && domain !== "api.aws"))
    return undefined;
  return region;
}
