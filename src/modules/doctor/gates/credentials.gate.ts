// Gate 1, credentials: can the service assume its role in the account, and who does it become.
import type { AccountApis } from "../../../aws/aws-access.js";
import { AwsGateError } from "../../../aws/errors.js";
import type { GateResult } from "../doctor.types.js";

export interface Identity {
  account: string;
  arn: string;
  userId: string;
}

export async function checkCredentials(
  apis: AccountApis,
  accountId: string,
  roleArn: string,
): Promise<{ result: GateResult; identity?: Identity }> {
  try {
    const identity = await apis.sts().getCallerIdentity();
    if (identity.account !== accountId) {
      return {
        result: {
          gate: "credentials",
          status: "fail",
          summary: `The credentials resolve to account ${identity.account}, not ${accountId}.`,
          evidence: { roleArn, identity },
          fix: `Point the member role name at a role in ${accountId} (AWS_MEMBER_ROLE_NAME) and check the hub's role chain.`,
        },
      };
    }
    return {
      identity,
      result: {
        gate: "credentials",
        status: "pass",
        summary: `Assumed ${roleArn}; the service acts as ${identity.arn}.`,
        evidence: { roleArn, identity },
        fix: null,
      },
    };
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    const evidence = { roleArn, awsCode: err.awsCode ?? null, message: err.message, operation: err.context.operation };
    if (err.gate === "credentials") {
      const assume = err.context.operation === "AssumeRole";
      return {
        result: {
          gate: "credentials",
          status: "fail",
          summary: assume
            ? `The service cannot assume ${roleArn} (${err.awsCode ?? "denied"}).`
            : `The credentials for the account are not accepted (${err.awsCode ?? "denied"}).`,
          evidence,
          fix: assume
            ? `Deploy the role ${roleArn} in the account (e.g. the StackSet of the README) with a trust policy that trusts the governor's hub principal and the configured ExternalId; the account must be ACTIVE.`
            : "Check the service's base credentials (provider chain, or the hub role) and that they are not expired.",
        },
      };
    }
    // Throttling or an outage says nothing about the credentials themselves.
    return {
      result: {
        gate: "credentials",
        status: "unknown",
        summary: `Could not check the credentials: ${err.gate} (${err.awsCode ?? "error"}).`,
        evidence,
        fix: err.retryable ? "Retry the diagnosis in a moment." : null,
      },
    };
  }
}
