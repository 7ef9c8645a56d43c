// The member role's permissions in the sandbox: an administrator, less the scenario's
// `memberRoleDeniedActions` (scenario-wide and per account). SimulatePrincipalPolicy on the role
// and the role's own calls see the same denials, so a preflight and the real calls agree.
import { parseIamArn } from "../kernel/aws-ids.js";
import type { Caller } from "./context.js";
import { AwsError } from "./errors.js";
import type { NamedPolicy } from "./policy-evaluator.js";
import type { Protocol } from "./protocols/types.js";
import type { ServiceName } from "./scenario.js";
import { ADMIN_POLICY } from "./state.js";
import type { SandboxAccount, SandboxState } from "./state-types.js";

/** The member role's identity policies in an account: AdministratorAccess and a deny of the missing actions. */
export function memberRolePolicies(account: SandboxAccount): NamedPolicy[] {
  const denied = [...account.memberRoleDeniedActions];
  if (denied.length === 0) return [ADMIN_POLICY];
  return [
    ADMIN_POLICY,
    {
      id: "SandboxMissingActions",
      document: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: denied, Resource: "*" }] },
    },
  ];
}

/** The IAM action a sandbox operation is authorized as (Converse and its kin are bedrock:InvokeModel). */
function iamAction(service: ServiceName, operation: string): string {
  if (service === "bedrock-runtime")
    return operation.includes("Stream") ? "bedrock:InvokeModelWithResponseStream" : "bedrock:InvokeModel";
  if (service === "s3" && operation === "ListObjectsV2") return "s3:ListBucket";
  return `${service}:${operation}`;
}

const matches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);

/** Refuses a call of the member role that its scenario denies, as IAM does (AccessDenied). */
export function checkMemberRoleCall(
  state: SandboxState,
  caller: Caller,
  service: ServiceName,
  operation: string,
  protocol: Protocol,
): void {
  const role = parseIamArn(caller.principalArn);
  if (role?.kind !== "role" || role.name !== state.memberRoleName) return;
  const denied = state.accounts.get(caller.account)?.memberRoleDeniedActions;
  if (denied === undefined || denied.size === 0) return;
  const action = iamAction(service, operation);
  if (![...denied].some((d) => matches(d, action))) return;
  throw new AwsError(
    protocol === "query" || protocol === "rest-xml" ? "AccessDenied" : "AccessDeniedException",
    `User: ${caller.arn} is not authorized to perform: ${action} with an explicit deny in an identity-based policy`,
    403,
  );
}
