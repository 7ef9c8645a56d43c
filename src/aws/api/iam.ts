import {
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
  paginateSimulatePrincipalPolicy,
} from "@aws-sdk/client-iam";
import { collect } from "./call.js";

export type { ContextEntry, EvaluationResult };

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
  };
}

export type IamApi = ReturnType<typeof iamApi>;
