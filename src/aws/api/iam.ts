import {
  type ContextEntry,
  type EvaluationResult,
  GetRoleCommand,
  type IAMClient,
  ListServiceSpecificCredentialsCommand,
  paginateSimulatePrincipalPolicy,
  type ServiceSpecificCredentialMetadata,
} from "@aws-sdk/client-iam";
import { call, collect } from "./call.js";

export type { ContextEntry, EvaluationResult, ServiceSpecificCredentialMetadata };

export function iamApi(client: IAMClient, account: string) {
  return {
    /** iam:SimulatePrincipalPolicy for actions on resources, with optional context keys. */
    simulatePrincipalPolicy: (input: {
      principalArn: string;
      actions: string[];
      resources: string[];
      context?: ContextEntry[];
    }) =>
      collect(
        { service: "iam", operation: "SimulatePrincipalPolicy", account },
        paginateSimulatePrincipalPolicy(
          { client },
          {
            PolicySourceArn: input.principalArn,
            ActionNames: input.actions,
            ResourceArns: input.resources,
            ...(input.context ? { ContextEntries: input.context } : {}),
          },
        ),
        (p) => p.EvaluationResults,
      ),
    /**
     * iam:GetRole: the role's ARN with its path. An assumed-role session ARN names the role
     * without its path (IAM Identity Center roles live under `/aws-reserved/sso.amazonaws.com/…`),
     * so a role ARN rebuilt from it does not exist.
     */
    getRole: (roleName: string) =>
      call({ service: "iam", operation: "GetRole", account }, async () => {
        const out = await client.send(new GetRoleCommand({ RoleName: roleName }));
        return { arn: out.Role?.Arn ?? "", path: out.Role?.Path ?? "/" };
      }),
    /**
     * Service-specific credentials of every IAM user of the account for one service (`AllUsers`),
     * e.g. `bedrock.amazonaws.com`: the long-term Amazon Bedrock API keys.
     */
    listServiceSpecificCredentials: (serviceName: string) =>
      call({ service: "iam", operation: "ListServiceSpecificCredentials", account }, async () => {
        const out: ServiceSpecificCredentialMetadata[] = [];
        let marker: string | undefined;
        do {
          const page = await client.send(
            new ListServiceSpecificCredentialsCommand({
              ServiceName: serviceName,
              AllUsers: true,
              ...(marker ? { Marker: marker } : {}),
            }),
          );
          out.push(...(page.ServiceSpecificCredentials ?? []));
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
        return out;
      }),
  };
}

export type IamApi = ReturnType<typeof iamApi>;
