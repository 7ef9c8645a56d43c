// Gate 3, model access: GetFoundationModelAvailability (agreement, authorization, entitlement,
// Region availability), the Anthropic use case, and for Marketplace models whether the principal
// may subscribe. AWS calls these fields advisory; the doctor reports them as evidence and fails
// the gate only on values that Bedrock refuses invocations for.

import type { AccountApis } from "../../../aws/aws-access.js";
import { AwsGateError } from "../../../aws/errors.js";
import { modelTraits } from "../../reachability/model-traits.js";
import type { LiveReading } from "../doctor.types.js";

/** Providers without an AWS Marketplace product (aws-facts): only IAM/SCP can block them. */
export const MARKETPLACE_ACTIONS = [
  "aws-marketplace:Subscribe",
  "aws-marketplace:Unsubscribe",
  "aws-marketplace:ViewSubscriptions",
] as const;

const isAnthropic = (provider: string, modelId: string) =>
  provider.toLowerCase() === "anthropic" || modelId.startsWith("anthropic.");

export async function checkModelAccess(input: {
  apis: AccountApis;
  /** Region to read availability in (the calling Region, or a profile's destination). */
  region: string;
  modelId: string;
  provider: string;
  principalArn?: string;
}): Promise<LiveReading> {
  const { apis, region, modelId, provider } = input;
  const bedrock = apis.bedrock(region);
  let availability: Awaited<ReturnType<typeof bedrock.getFoundationModelAvailability>>;
  try {
    availability = await bedrock.getFoundationModelAvailability(modelId);
  } catch (err) {
    if (!(err instanceof AwsGateError)) throw err;
    return {
      gate: "model_access",
      status: "unknown",
      summary: `Could not read the model's availability in ${region} (${err.gate}: ${err.awsCode ?? "error"}).`,
      evidence: { region, awsCode: err.awsCode ?? null, message: err.message },
      fix:
        err.gate === "not_found"
          ? "Check the model id."
          : err.retryable
            ? "Retry the diagnosis in a moment."
            : "Allow bedrock:GetFoundationModelAvailability to the governor's member role.",
    };
  }
  const fields = {
    agreement: availability.agreementAvailability?.status ?? null,
    agreementError: availability.agreementAvailability?.errorMessage ?? null,
    authorization: availability.authorizationStatus ?? null,
    entitlement: availability.entitlementAvailability ?? null,
    regionAvailability: availability.regionAvailability ?? null,
  };
  if (fields.regionAvailability === "NOT_AVAILABLE") {
    // The Region gate owns this: nothing about access can be read where the model is not offered.
    return {
      gate: "model_access",
      status: "unknown",
      summary: `Availability cannot be judged in ${region}: the model is not offered there (see the Region gate).`,
      evidence: { region, ...fields },
      fix: null,
    };
  }

  const anthropic = isAnthropic(provider, modelId);
  let useCase: "on_file" | "missing" | "unknown" = "unknown";
  if (anthropic) {
    try {
      // Members inherit the management account's form; the API answers with whichever applies.
      useCase = (await bedrock.getUseCaseForModelAccess()) === undefined ? "missing" : "on_file";
    } catch {
      useCase = "unknown";
    }
  }
  // Which models are sold through AWS Marketplace is the engine's knowledge (model-traits.ts), not a list of its own.
  // Offers are read only where no agreement exists yet (as the sync does).
  const offerCount =
    fields.agreement === "NOT_AVAILABLE"
      ? await bedrock
          .listFoundationModelAgreementOffers(modelId)
          .then((offers) => offers.length)
          .catch(() => null)
      : null;
  const marketplace = modelTraits(modelId, [{ agreementStatus: fields.agreement, offerCount }]).marketplace;
  let subscribe: { allowed: boolean; denied: string[] } | null = null;
  if (marketplace && input.principalArn !== undefined) {
    try {
      const results = await apis.iam().simulatePrincipalPolicy({
        principalArn: input.principalArn,
        actions: [...MARKETPLACE_ACTIONS],
        resources: ["*"],
      });
      const denied = results.filter((r) => r.EvalDecision !== "allowed").map((r) => r.EvalActionName ?? "");
      subscribe = { allowed: denied.length === 0, denied };
    } catch {
      subscribe = null;
    }
  }
  const evidence = {
    region,
    ...fields,
    ...(anthropic ? { anthropicUseCase: useCase } : {}),
    marketplace,
    ...(subscribe !== null ? { principalMarketplaceActions: subscribe } : {}),
  };

  const problems: string[] = [];
  const fixes: string[] = [];
  if (fields.entitlement === "NOT_AVAILABLE") {
    problems.push("the account is not entitled to the model");
    fixes.push("Check the account's entitlement for the model with AWS (support case) — nothing in IAM changes this.");
  }
  const useCaseMissing = anthropic && (useCase === "missing" || fields.authorization === "NOT_AUTHORIZED");
  if (useCaseMissing && useCase !== "on_file") {
    problems.push("the Anthropic use-case form is not on file");
    fixes.push(
      "Submit the Anthropic use-case form once (PutUseCaseForModelAccess or the Bedrock console), in this account or the management account (members inherit it); allow up to 15 minutes.",
    );
  } else if (fields.authorization === "NOT_AUTHORIZED") {
    problems.push("authorization is NOT_AUTHORIZED");
    fixes.push("Complete the model's access requirements (use case, Marketplace subscription) for the account.");
  }
  if (fields.agreement === "PENDING") {
    problems.push("the Marketplace agreement is still pending");
    fixes.push("Wait for the Marketplace subscription to complete (up to about 15 minutes) and check again.");
  } else if (fields.agreement === "NOT_AVAILABLE" || fields.agreement === "ERROR") {
    problems.push(
      `the Marketplace agreement is ${fields.agreement}${fields.agreementError ? ` (${fields.agreementError})` : ""}`,
    );
    fixes.push(
      subscribe !== null && !subscribe.allowed
        ? `Allow ${subscribe.denied.join(", ")} to the principal (the first invocation subscribes), or have an admin create the model agreement (CreateFoundationModelAgreement).`
        : "Create the model agreement (CreateFoundationModelAgreement with the offer token) or invoke once as a principal allowed aws-marketplace:Subscribe and ViewSubscriptions.",
    );
  }
  if (problems.length > 0) {
    return {
      gate: "model_access",
      status: "fail",
      summary: `Model access in ${region}: ${problems.join("; ")}.`,
      evidence,
      fix: fixes.join(" "),
    };
  }
  const notes: string[] = [];
  if (marketplace && subscribe !== null && !subscribe.allowed)
    notes.push(
      `the principal lacks ${subscribe.denied.join(", ")}, which only matters if the subscription is ever removed`,
    );
  return {
    gate: "model_access",
    status: "pass",
    summary: `Model access in ${region}: agreement ${fields.agreement ?? "n/a"}, authorization ${
      fields.authorization ?? "n/a"
    }, entitlement ${fields.entitlement ?? "n/a"}${anthropic ? `, Anthropic use case ${useCase.replace("_", " ")}` : ""}${
      notes.length > 0 ? `; ${notes.join("; ")}` : ""
    }.`,
    evidence,
    fix: null,
  };
}
