// Per-account facts about one model, read by the Bedrock control plane and by the invocation gates:
// the Marketplace agreement (after PENDING timers elapse), the scenario's availability overrides and
// the Anthropic use-case form.
import type { ScenarioModelAccess } from "./scenario.js";
import type { AgreementRecord, SandboxAccount, SandboxModel, SandboxState } from "./state-types.js";

/** The agreement status of a model for an account and Region, after PENDING timers elapse. */
export function agreementFor(
  state: SandboxState,
  account: SandboxAccount,
  region: string,
  model: SandboxModel,
  nowMs: number,
): AgreementRecord {
  const key = `${account.id}|${region}|${model.id}`;
  const rec = state.agreements.get(key);
  if (rec !== undefined) {
    if (rec.status === "PENDING" && rec.availableAt !== undefined && rec.availableAt <= nowMs) {
      const done: AgreementRecord = { status: "AVAILABLE" };
      state.agreements.set(key, done);
      return done;
    }
    return rec;
  }
  const override = accessOverride(account, region, model.id);
  if (override?.agreement !== undefined) {
    const out: AgreementRecord = { status: override.agreement };
    if (override.agreementError !== undefined) out.errorMessage = override.agreementError;
    return out;
  }
  // No record: the scenario says whether the account already subscribed (default) or never used it.
  return { status: account.agreementDefault };
}

export function accessOverride(
  account: SandboxAccount,
  region: string,
  modelId: string,
): ScenarioModelAccess | undefined {
  // A Region-specific entry wins over an all-Regions one.
  return (
    account.modelAccess.find((m) => m.model === modelId && m.region === region) ??
    account.modelAccess.find((m) => m.model === modelId && m.region === undefined)
  );
}

/** Member accounts inherit an Anthropic use case submitted in the management account. */
export function useCaseSubmitted(state: SandboxState, account: SandboxAccount): boolean {
  return (
    account.useCaseFormData !== undefined ||
    state.accounts.get(state.organization.managementAccountId)?.useCaseFormData !== undefined
  );
}
