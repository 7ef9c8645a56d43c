// IAM service-specific credentials, which is what a long-term Amazon Bedrock API key is: created
// for an IAM user with ServiceName bedrock.amazonaws.com, at most two per user for Bedrock, usable
// until it expires [doc IAM User Guide "API keys for Amazon Bedrock"; Bedrock "Generate an Amazon
// Bedrock API key"]. Creation is authorized as iam:CreateServiceSpecificCredential with the
// condition keys iam:ServiceSpecificCredentialServiceName and iam:ServiceSpecificCredentialAgeDays
// [doc "Control permissions for generating and using Amazon Bedrock API keys"].
import { randomBytes } from "node:crypto";
import { checkAccess, denialMessage } from "../access.js";
import type { CallContext } from "../context.js";
import { AwsError } from "../errors.js";
import { parseQueryBody } from "../protocols/query.js";
import { toQueryXml } from "../protocols/xml.js";
import { apiKeyId, iamUserArn, iamUserId } from "../state-access.js";
import type { ApiKeyRecord } from "../state-types.js";

const SERVICES = new Set(["bedrock.amazonaws.com", "codecommit.amazonaws.com", "cassandra.amazonaws.com"]);
const PER_USER_PER_SERVICE = 2;

/** Users of the caller's account the sandbox knows: scenario principals, key holders, the base user. */
function userExists(ctx: CallContext, name: string): boolean {
  const arn = iamUserArn(ctx.caller.account, name);
  if (arn === ctx.state.base.userArn) return true;
  if (ctx.state.accounts.get(ctx.caller.account)?.principals.has(arn)) return true;
  return [...ctx.state.apiKeys.values()].some((k) => k.userArn === arn);
}

const metadata = (k: ApiKeyRecord) => ({
  UserName: k.userName,
  Status: k.status,
  ServiceCredentialAlias: `BedrockAPIKey-${k.id.slice(-4).toLowerCase()}-at-${k.account}`,
  CreateDate: k.createdAt,
  ExpirationDate: k.expiresAt,
  ServiceSpecificCredentialId: k.id,
  ServiceName: k.serviceName,
});

export function handleServiceSpecificCredentials(ctx: CallContext): string {
  const params = parseQueryBody(ctx.body);
  const me = ctx.caller.account;
  const noSuchUser = (name: string) => new AwsError("NoSuchEntity", `The user with name ${name} cannot be found.`, 404);
  const keysOf = (user: string | undefined, service: string | null) =>
    [...ctx.state.apiKeys.values()].filter(
      (k) =>
        k.account === me &&
        (user === undefined || k.userName === user) &&
        (service === null || k.serviceName === service),
    );
  switch (ctx.operation) {
    case "CreateServiceSpecificCredential": {
      const user = params.get("UserName") ?? "";
      const service = params.get("ServiceName") ?? "";
      const ageRaw = params.get("CredentialAgeDays");
      const age = ageRaw === null ? undefined : Number(ageRaw);
      if (age !== undefined && (!Number.isInteger(age) || age < 1 || age > 36600))
        throw new AwsError("ValidationError", "CredentialAgeDays must be between 1 and 36600.", 400);
      const context: Record<string, string> = {
        "aws:PrincipalArn": ctx.caller.principalArn,
        "aws:PrincipalAccount": me,
        "iam:ServiceSpecificCredentialServiceName": service,
        ...(age !== undefined ? { "iam:ServiceSpecificCredentialAgeDays": String(age) } : {}),
      };
      const resource = iamUserArn(me, user);
      const action = "iam:CreateServiceSpecificCredential";
      const check = checkAccess(ctx.state, me, ctx.caller.principalArn, [{ action, resource, context }]);
      if (!check.allowed) throw new AwsError("AccessDenied", denialMessage(ctx.caller.arn, action, check), 403);
      if (!userExists(ctx, user)) throw noSuchUser(user);
      if (!SERVICES.has(service))
        throw new AwsError("NotSupportedService", `The specified service ${service} is not supported.`, 404);
      if (keysOf(user, service).length >= PER_USER_PER_SERVICE)
        throw new AwsError(
          "LimitExceeded",
          `Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: ${PER_USER_PER_SERVICE}`,
          409,
        );
      const now = ctx.now();
      const secret = `ABSK${randomBytes(45).toString("base64")}`;
      const rec: ApiKeyRecord = {
        id: apiKeyId(secret),
        secret,
        account: me,
        userName: user,
        userArn: resource,
        userId: iamUserId(me, user),
        serviceName: service,
        status: "Active",
        createdAt: now,
        expiresAt: age === undefined ? undefined : new Date(now.getTime() + age * 86_400_000),
      };
      ctx.state.apiKeys.set(secret, rec);
      return toQueryXml("ServiceSpecificCredential", { ...metadata(rec), ServiceCredentialSecret: secret });
    }
    case "ListServiceSpecificCredentials": {
      const all = params.get("AllUsers") === "true";
      const user = all ? undefined : (params.get("UserName") ?? ctx.caller.arn.split("/").pop());
      if (user !== undefined && !userExists(ctx, user)) throw noSuchUser(user);
      const list = keysOf(user, params.get("ServiceName")).map(metadata);
      return toQueryXml("ServiceSpecificCredentials", list) + toQueryXml("IsTruncated", false);
    }
    case "UpdateServiceSpecificCredential":
    case "DeleteServiceSpecificCredential": {
      const id = params.get("ServiceSpecificCredentialId") ?? "";
      const key = [...ctx.state.apiKeys.values()].find((k) => k.account === me && k.id === id);
      if (key === undefined) throw new AwsError("NoSuchEntity", `No such service-specific credential: ${id}.`, 404);
      if (ctx.operation === "DeleteServiceSpecificCredential") ctx.state.apiKeys.delete(key.secret);
      else key.status = params.get("Status") === "Inactive" ? "Inactive" : "Active";
      return "";
    }
    default:
      throw new AwsError("InvalidAction", `Could not find operation ${ctx.operation} for version 2010-05-08`, 400);
  }
}
