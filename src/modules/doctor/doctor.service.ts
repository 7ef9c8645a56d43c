// The access doctor: walks the five gates a Bedrock invocation passes (credentials, Region, model
// access, organization policy, IAM) live in the target account-Region, adds the governance status,
// classifies a pasted error against what the live checks found, and — for admins, when asked —
// makes one real one-token Converse call.

import type { AwsAccess } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import type { Database } from "../../db/prisma.js";
import { isId, isProfileId } from "../../kernel/aws-ids.js";
import { ForbiddenError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { ScpLevel } from "../../lib/policy-evaluator.js";
import type { AuditService } from "../audit/audit.service.js";
import type { DesiredStateSource } from "../catalog/catalog.types.js";
import type { FactsRepository } from "../reachability/facts.repository.js";
import { pathName } from "../reachability/reachability.types.js";
import type { DoctorRepository } from "./doctor.repository.js";
import {
  type AccessRequestsPort,
  CLASSIFIED_GATES,
  type DoctorGate,
  type DoctorReport,
  type DoctorRequest,
  type ErrorAssessment,
  type ErrorDiagnosis,
  GATE_TITLES,
  type GateResult,
  type LiveReading,
  type ProbeResult,
  type Verdict,
} from "./doctor.types.js";
import { gateResults, judgeLive, requestedPath, simulationsOf } from "./engine-verdict.js";
import { classifyError } from "./error-classifier.js";
import { checkCredentials } from "./gates/credentials.gate.js";
import { checkGovernance } from "./gates/governance.js";
import { iamEvidence } from "./gates/iam.gate.js";
import { checkModelAccess } from "./gates/model-access.gate.js";
import {
  evaluateOrgPolicies,
  loadOrgPolicies,
  type OrgPolicies,
  orgPoliciesFromInventory,
} from "./gates/org-policy.gate.js";
import { checkRegion, parseModelInput, providerOfModelId } from "./gates/region.gate.js";
import { accountOfArn, type InvocationTarget, invocationChecks, principalRoleArn } from "./invocation.js";
import { readLiveFacts } from "./live-facts.js";

const PROBE_PROMPT = "Reply with one word: ok";

export interface InventoryScps {
  /** The organization's management account (SCPs never apply to it). */
  management: boolean;
  /** Root first. */
  levels: readonly ScpLevel[];
}

export interface DoctorDeps {
  aws: AwsAccess;
  db: Database;
  desired: DesiredStateSource;
  inventory: DoctorRepository;
  /** The stored inventory the engine judges (the doctor overlays its live reads). */
  facts: FactsRepository;
  /**
   * The SCP levels of an account as last synced (fallback when Organizations cannot be read);
   * undefined when the inventory does not know the account or its policies.
   */
  inventoryScps: (accountId: string) => Promise<InventoryScps | undefined>;
  /** Open access requests of the account-Region-model; absent (a doctor built without them): unknown. */
  requests?: AccessRequestsPort;
  audit: AuditService;
  clock: Clock;
  /** Regions where to look for a model the calling Region does not offer. */
  regions: readonly string[];
}

function validate(req: DoctorRequest): void {
  const problems: { field: string; message: string }[] = [];
  if (!isId("accountId", req.accountId)) problems.push({ field: "accountId", message: "must be 12 digits" });
  if (!isId("region", req.region)) problems.push({ field: "region", message: "must be a Region name like us-east-1" });
  if (!isId("modelRef", req.model))
    problems.push({ field: "model", message: "must be a model or inference profile id/ARN" });
  if (req.principalArn !== undefined) {
    if (!isId("principalArn", req.principalArn))
      problems.push({ field: "principalArn", message: "must be an IAM user/role or assumed-role ARN" });
    else if (accountOfArn(req.principalArn) !== req.accountId)
      problems.push({ field: "principalArn", message: `must be a principal of account ${req.accountId}` });
  }
  if (problems.length > 0)
    throw new UnprocessableError("the diagnosis request is not usable", problems, "DOCTOR_INPUT_INVALID");
}

function assess(error: string, gates: GateResult[]): ErrorAssessment {
  const d = classifyError(error);
  const failing = gates.filter((g) => g.status === "fail").map((g) => g.gate);
  const candidates = d.likelyGate ? [d.likelyGate] : (CLASSIFIED_GATES[d.gate] ?? []);
  const liveOf =
    gates.find((g) => candidates.includes(g.gate) && g.status === "fail") ??
    gates.find((g) => candidates.includes(g.gate) && g.status === "pass" && candidates.length === 1) ??
    gates.find((g) => candidates.includes(g.gate));
  if (liveOf?.status === "fail")
    return { ...d, live: "confirmed", liveNote: `The live ${GATE_TITLES[liveOf.gate]} check fails too.` };
  if (failing.length > 0) {
    const names = failing.map((g) => GATE_TITLES[g]).join(", ");
    return {
      ...d,
      live: "contradicted",
      liveNote: `The live checks point elsewhere: ${names} fail${failing.length === 1 ? "s" : ""} now.`,
    };
  }
  if (liveOf?.status === "pass")
    return {
      ...d,
      live: "not_reproduced",
      liveNote: `The live ${GATE_TITLES[liveOf.gate]} check passes now: the error came from another principal, Region or model, or was fixed since.`,
    };
  return {
    ...d,
    live: "not_checked",
    liveNote: liveOf
      ? `The live ${GATE_TITLES[liveOf.gate]} check was inconclusive.`
      : "This kind of error is not a gate the doctor checks live.",
  };
}

function verdictOf(gates: GateResult[]): { verdict: Verdict; blockingGate: DoctorGate | null } {
  const failed = gates.find((g) => g.status === "fail");
  if (failed) return { verdict: "blocked", blockingGate: failed.gate };
  return { verdict: gates.every((g) => g.status === "pass") ? "ok" : "inconclusive", blockingGate: null };
}

export function createDoctorService(deps: DoctorDeps) {
  async function orgPolicies(accountId: string): Promise<{ policies?: OrgPolicies; error?: AwsGateError }> {
    try {
      return { policies: await loadOrgPolicies(deps.aws, accountId) };
    } catch (err) {
      if (!(err instanceof AwsGateError)) throw err;
      const [scps, lineage] = await Promise.all([deps.inventoryScps(accountId), deps.inventory.lineage(accountId)]);
      const policies = orgPoliciesFromInventory(accountId, scps, lineage);
      return policies ? { policies, error: err } : { error: err };
    }
  }

  async function probe(ctx: CallContext, req: DoctorRequest, target: string): Promise<ProbeResult> {
    const runtime = deps.aws.account(req.accountId).runtime(req.region);
    let result: ProbeResult;
    try {
      const out = await runtime.converse(target, PROBE_PROMPT, 1);
      result = {
        status: "pass",
        target,
        summary: `Converse answered (${out.outputTokens ?? "?"} output token(s), stop reason ${out.stopReason ?? "n/a"}).`,
        reply: out.reply,
        error: null,
      };
    } catch (err) {
      if (!(err instanceof AwsGateError)) throw err;
      result = {
        status: "fail",
        target,
        summary: `Converse was refused: ${err.awsCode ?? err.gate} (${err.gate}).`,
        reply: null,
        error: { awsCode: err.awsCode ?? null, gate: err.gate, message: err.message },
      };
    }
    // The probe acts in the customer's account (a billed call): on the record.
    await deps.db.transaction((tx) =>
      deps.audit.record(
        ctx,
        {
          action: "doctor.probe",
          targetType: "model_invocation",
          targetId: `${req.accountId}/${req.region}/${target}`,
          after: { status: result.status, awsCode: result.error?.awsCode ?? null, gate: result.error?.gate ?? null },
        },
        tx,
      ),
    );
    return result;
  }

  return {
    /** Pasted error text alone → the likely gate and fix (no AWS calls). */
    classify(ctx: CallContext, errorText: string): ErrorDiagnosis {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("the access doctor needs the viewer role");
      if (errorText.trim() === "")
        throw new UnprocessableError(
          "nothing to classify",
          [{ field: "errorText", message: "is empty" }],
          "DOCTOR_INPUT_INVALID",
        );
      return classifyError(errorText);
    },

    async diagnose(ctx: CallContext, req: DoctorRequest): Promise<DoctorReport> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("the access doctor needs the viewer role");
      if (req.probe === true && !hasRole(ctx.principal, "admin"))
        throw new ForbiddenError("the live probe (a real Converse call in the account) needs the admin role");
      validate(req);
      const now = deps.clock.now();
      const { accountId, region } = req;
      const apis = deps.aws.account(accountId);
      const principalArn =
        req.principalArn === undefined
          ? undefined
          : await principalRoleArn(req.principalArn, (name) => apis.iam().getRole(name));
      const roleArn = deps.aws.credentials.memberRoleArn(accountId);

      const [credentials, org] = await Promise.all([
        checkCredentials(apis, accountId, roleArn),
        orgPolicies(accountId),
      ]);
      const credentialsOk = credentials.result.status === "pass";
      const callerArn = principalArn ?? roleArn;
      const wanted = parseModelInput(req.model);
      // Live evidence first (what is offered where, availability, SCP statements)…
      const live = new Map<string, LiveReading>([["credentials", credentials.result]]);
      let target: InvocationTarget = { kind: "model", modelId: wanted.id };
      let provider = providerOfModelId(wanted.id);
      if (credentialsOk) {
        const otherRegions = [...deps.regions, ...(await deps.inventory.accountRegions(accountId))];
        const region$ = await checkRegion({
          apis,
          accountId,
          region,
          model: req.model,
          otherRegions,
          inventory: deps.inventory,
        });
        target = region$.target;
        provider = region$.provider;
        const availabilityRegion =
          region$.offeredHere || target.kind !== "profile" || target.global
            ? region
            : (target.destinations[0] ?? region);
        live.set("region", region$.result);
        live.set(
          "model_access",
          await checkModelAccess({
            apis,
            region: availabilityRegion,
            modelId: target.modelId,
            provider,
            ...(principalArn !== undefined ? { principalArn } : {}),
          }),
        );
      }
      if (credentialsOk || !(wanted.profileArn !== undefined || isProfileId(wanted.id)))
        live.set(
          "org_policy",
          evaluateOrgPolicies({
            policies: org.policies,
            ...(org.error ? { loadError: org.error } : {}),
            accountId,
            checks: invocationChecks(target, region, { arn: callerArn, account: accountId }),
          }),
        );
      // …then the engine decides, on the stored facts overlaid with the live ones.
      const facts = await readLiveFacts(
        { aws: deps.aws, facts: deps.facts },
        { accountId, region, modelId: target.modelId, org: org.policies, credentialsOk },
      );
      const outcome = await judgeLive({
        apis,
        facts: facts.facts,
        region,
        modelId: target.modelId,
        principalArn,
        direct: !(target.kind === "profile" && wanted.id === target.profileId),
        now,
      });
      const path = requestedPath(
        outcome.verdict,
        target.kind === "profile" && wanted.id === target.profileId ? target.profileId : undefined,
      );
      const simulations = simulationsOf(
        path,
        { accountId, region, modelId: target.modelId, ...(principalArn ? { principalArn } : {}) },
        outcome.simulations,
      );
      live.set("iam", iamEvidence(principalArn, { ...outcome, simulations }));
      const gates = gateResults(path, live);
      if (!credentialsOk) gates[0] = credentials.result;
      const paths = outcome.verdict.paths.map((p) => ({
        path: pathName(p.path),
        kind: p.path.kind,
        status: p.status,
        gate: p.gate,
        reason: p.reason,
        destinations: p.path.destinations,
      }));

      const lineage = org.policies?.lineage ?? (await deps.inventory.lineage(accountId));
      const governance = await checkGovernance({
        desired: deps.desired,
        requests: deps.requests,
        accountId,
        lineage,
        region,
        provider,
        target,
        now,
      });
      const { verdict, blockingGate } = verdictOf(gates);
      const probeTarget = parseModelInput(req.model).id;
      const probeResult: ProbeResult | null =
        req.probe !== true
          ? null
          : credentialsOk
            ? await probe(ctx, req, probeTarget)
            : {
                status: "skipped",
                target: probeTarget,
                summary: "Not run: the service has no working credentials in the account (see the credentials gate).",
                reply: null,
                error: null,
              };
      return {
        accountId,
        region,
        model: req.model,
        principalArn: principalArn ?? null,
        verdict,
        blockingGate,
        gates,
        paths,
        governance,
        error: req.errorText !== undefined && req.errorText.trim() !== "" ? assess(req.errorText, gates) : null,
        probe: probeResult,
        checkedAt: now,
      };
    },
  };
}

export type DoctorService = ReturnType<typeof createDoctorService>;
