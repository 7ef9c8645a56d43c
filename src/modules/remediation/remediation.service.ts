// Remediation: plan the exact AWS changes that bring a scope in line with the catalog (SCPs,
// Marketplace agreements, the Anthropic use case), store the plan for review, and apply it on an
// admin's explicit request. Nothing here writes to AWS except `apply`.
//
// A plan is applied only while it is still true: apply recomputes it from the current catalog,
// inventory and offers, and refuses (409 PLAN_STALE, nothing written) when the fingerprint differs;
// it then checks every SCP the plan touches against Organizations itself, so a policy edited
// after the last sync is not overwritten. Each change is audited as it lands; the touched
// account-Regions are re-synced, and reconciliation follows each finished sync run.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AwsAccess } from "../../aws/aws-access.js";
import { AwsGateError } from "../../aws/errors.js";
import type { Database } from "../../db/prisma.js";
import { canonicalHash } from "../../kernel/canonical-json.js";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import { decodeCursor, type Page, toPage } from "../../lib/pagination.js";
import type { AuditService } from "../audit/audit.service.js";
import type { DesiredStateSource } from "../catalog/catalog.types.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import type { SyncRequest } from "../inventory/sync.service.js";
import { createReachabilityEngine } from "../reachability/engine.js";
import type { FactsRepository } from "../reachability/facts.repository.js";
import { reconcile } from "../reconcile/reconcile.js";
import type { FindingCandidate } from "../reconcile/reconcile.types.js";
import type { RemediationRepository } from "./remediation.repository.js";
import type {
  ChangeResult,
  PlanChange,
  PlanInputs,
  PlanScope,
  RemediationPlan,
  Unresolved,
} from "./remediation.types.js";
import { includedNodes, managedOwner, type OrgTreeNode, orgTree, planScps } from "./scp-plan.js";

/** More touched accounts than this are verified by one organization-wide sync instead of one run each. */
const MAX_TARGETED_SYNCS = 20;

interface Computed {
  changes: PlanChange[];
  unresolved: Unresolved[];
  fingerprint: string;
}

const isPlanCursor = (v: unknown): v is { createdAt: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { createdAt?: unknown }).createdAt === "string" &&
  typeof (v as { id?: unknown }).id === "string";

/** The SCPs a finding's org_policy check names (the engine's evidence). */
function scpPolicyIds(f: FindingCandidate): string[] {
  const checks =
    (f.evidence.checks as
      | Array<{ gate: string; evidence: Array<{ kind: string; data?: { matched?: { policyId: string }[] } }> }>
      | undefined) ?? [];
  return checks
    .filter((c) => c.gate === "org_policy")
    .flatMap((c) => c.evidence)
    .filter((e) => e.kind === "scp")
    .flatMap((e) => (e.data?.matched ?? []).map((m) => m.policyId));
}

function gateOf(err: unknown): { gate: string; code: string | null; message: string } {
  if (err instanceof AwsGateError) return { gate: err.gate, code: err.awsCode ?? null, message: err.message };
  return { gate: "unavailable", code: null, message: err instanceof Error ? err.message : String(err) };
}

/** What a sync needs to verify a change: the node whose SCPs changed, or the account-Region. */
function syncRequestsFor(changes: readonly PlanChange[], tree: readonly OrgTreeNode[]): SyncRequest[] {
  const t = orgTree(tree);
  const scpNodes = new Set<string>();
  const accountRegions = new Map<string, Set<string>>();
  for (const c of changes) {
    if (c.kind === "agreement_create" || c.kind === "use_case_put") {
      accountRegions.set(c.accountId, (accountRegions.get(c.accountId) ?? new Set()).add(c.region));
    } else if ("target" in c) scpNodes.add(c.target.id);
  }
  // Only the highest touched nodes: a sync of an OU covers every account below it.
  const top = [...scpNodes].filter(
    (id) =>
      !t
        .lineageOf(id)
        .slice(1)
        .some((a) => scpNodes.has(a)),
  );
  const out: SyncRequest[] = [];
  const covered = (accountId: string) => t.lineageOf(accountId).some((n) => top.includes(n));
  if (top.some((id) => t.byId.get(id)?.kind === "root")) return [{ scope: "organization" }];
  for (const id of top) out.push({ scope: t.byId.get(id)?.kind === "ou" ? "ou" : "account", scopeId: id });
  for (const [accountId, regions] of accountRegions) {
    if (covered(accountId)) continue;
    for (const region of regions) out.push({ scope: "account_region", scopeId: accountId, region });
  }
  return out.length > MAX_TARGETED_SYNCS ? [{ scope: "organization" }] : out;
}

export function createRemediationService(deps: {
  db: Database;
  repo: RemediationRepository;
  desired: DesiredStateSource;
  facts: PolicyFactsRepository;
  inventory: FactsRepository;
  aws: AwsAccess;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  /** Starts a sync run (the inventory's), returning its id. */
  requestSync: (ctx: CallContext, req: SyncRequest) => Promise<string>;
  settings: { legacyWindowDays: number };
}) {
  const { repo, clock } = deps;

  function scopeAccounts(scope: PlanScope, tree: readonly OrgTreeNode[]): string[] {
    if (scope.kind === "organization") return tree.filter((n) => n.kind === "account").map((n) => n.id);
    const t = orgTree(tree);
    const node = t.byId.get(scope.id);
    if (!node || (scope.kind === "account" ? node.kind !== "account" : node.kind === "account"))
      throw new UnprocessableError(`unknown ${scope.kind === "ou" ? "OU or root" : "account"} ${scope.id}`, [
        { field: scope.kind === "ou" ? "body.ouId" : "body.accountId", message: "not in the inventory" },
      ]);
    if (scope.kind === "account") return [scope.id];
    return t.descendants(scope.id).filter((id) => t.byId.get(id)?.kind === "account");
  }

  /** Agreement offers, read live: the plan names the exact offer it would accept. */
  async function offerFor(f: FindingCandidate): Promise<PlanChange | Unresolved> {
    const region = f.region as string;
    const modelId = f.modelId as string;
    try {
      const offers = await deps.aws.account(f.accountId).bedrock(region).listFoundationModelAgreementOffers(modelId);
      const offer = offers.find((o) => o.offerToken);
      if (!offer?.offerToken)
        return {
          kind: "offer_unavailable",
          accountId: f.accountId,
          region,
          modelId,
          reason: `no agreement offer is listed for ${modelId} in ${region}`,
        };
      return {
        kind: "agreement_create",
        accountId: f.accountId,
        region,
        modelId,
        offer: {
          offerId: offer.offerId ?? null,
          offerToken: offer.offerToken,
          terms: offer.termDetails ? JSON.stringify(offer.termDetails) : null,
        },
      };
    } catch (err) {
      return {
        kind: "account_unreachable",
        accountId: f.accountId,
        region,
        modelId,
        reason: `could not list agreement offers: ${gateOf(err).message}`,
      };
    }
  }

  async function compute(scope: PlanScope, inputs: PlanInputs): Promise<Computed & { tree: OrgTreeNode[] }> {
    const now = clock.now();
    const tree = await repo.orgTree();
    const accounts = scopeAccounts(scope, tree);
    const [entries, models, profiles, policies, inventory] = await Promise.all([
      deps.desired.entries(now),
      deps.facts.models(),
      deps.facts.profiles(),
      repo.scps(),
      deps.inventory.accounts(accounts),
    ]);
    const scp = planScps({
      nodes: tree,
      entries,
      models,
      profiles,
      policies,
      now,
      include: includedNodes(tree, accounts, scope.kind === "ou" ? [scope.id] : []),
    });
    const changes: PlanChange[] = [...scp.changes];
    const unresolved: Unresolved[] = [...scp.unresolved];
    const managed = new Set(policies.filter((p) => managedOwner(p.name) !== undefined).map((p) => p.id));
    const findings = reconcile({
      accounts: inventory,
      entries,
      now,
      legacyWindowDays: deps.settings.legacyWindowDays,
      engine: createReachabilityEngine({ now }),
    }).filter(
      (f) => scope.kind !== "account" || scope.region === undefined || f.region === null || f.region === scope.region,
    );
    const useCase = new Map<string, { region: string; models: Set<string> }>();
    const offers: Promise<PlanChange | Unresolved>[] = [];
    const managementAccounts = new Set(inventory.filter((a) => a.facts.management).map((a) => a.facts.accountId));
    const agreementOptIn = new Set(entries.filter((e) => e.acceptAgreement === true).map((e) => e.id));
    for (const f of findings) {
      if (f.type === "UNAPPROVED_MODEL_ACCESSIBLE" && managementAccounts.has(f.accountId)) {
        unresolved.push({
          kind: "management_account",
          accountId: f.accountId,
          ...(f.region ? { region: f.region } : {}),
          ...(f.modelId ? { modelId: f.modelId } : {}),
          reason: `SCPs do not apply to the management account ${f.accountId}; deny ${f.modelId} there with IAM policies, or keep workloads out of it`,
        });
        continue;
      }
      if (f.type === "ACCOUNT_UNREACHABLE") {
        unresolved.push({
          kind: "account_unreachable",
          accountId: f.accountId,
          ...(f.region ? { region: f.region } : {}),
          reason: f.detail,
        });
        continue;
      }
      if (f.region === null || f.modelId === null) continue;
      const where = { accountId: f.accountId, region: f.region, modelId: f.modelId };
      if (f.type === "MARKETPLACE_SUBSCRIPTION_BLOCKED") {
        // Accepting an offer is a commercial act: only where a catalog entry covering the account
        // opts in (acceptAgreement), never as a default remedy.
        const optedIn = ((f.evidence.entryIds as string[] | undefined) ?? []).some((id) => agreementOptIn.has(id));
        if (optedIn) offers.push(offerFor(f));
        else
          unresolved.push({
            kind: "marketplace_permission",
            ...where,
            reason: `${f.detail} Grant aws-marketplace:Subscribe/Unsubscribe/ViewSubscriptions for the model's product to the roles that call it; AWS subscribes the account on the first call.`,
          });
        continue;
      }
      if (f.type === "ENTITLEMENT_INACTIVE" || f.type === "RETENTION_VIOLATION") {
        unresolved.push({
          kind: f.type === "ENTITLEMENT_INACTIVE" ? "entitlement_inactive" : "retention_mode",
          ...where,
          reason: f.detail,
        });
        continue;
      }
      if (f.type !== "APPROVED_MODEL_BLOCKED") continue;
      switch (f.gate) {
        case "use_case": {
          const at = useCase.get(f.accountId) ?? { region: f.region, models: new Set<string>() };
          at.models.add(f.modelId);
          useCase.set(f.accountId, at);
          break;
        }
        case "org_policy": {
          const matched = scpPolicyIds(f);
          const foreign = [...new Set(matched.filter((id) => !managed.has(id)))];
          // Denies by bedrock-governor's own SCPs are fixed by the SCP changes above.
          if (foreign.length > 0)
            unresolved.push({
              kind: "foreign_scp_deny",
              ...where,
              policyIds: foreign,
              reason: `SCP ${foreign.join(", ")} (not managed by bedrock-governor) denies ${f.modelId}; change or detach it by hand`,
            });
          break;
        }
        case "region":
          unresolved.push({ kind: "region_unavailable", ...where, reason: f.detail });
          break;
        default:
          break; // lifecycle, IAM: not something an organization-level plan changes
      }
    }
    for (const outcome of await Promise.all(offers)) {
      if (outcome.kind === "agreement_create") changes.push(outcome as PlanChange);
      else unresolved.push(outcome as Unresolved);
    }
    for (const [accountId, at] of [...useCase].sort(([a], [b]) => a.localeCompare(b))) {
      const modelsWaiting = [...at.models].sort();
      if (inputs.useCaseForm)
        changes.push({
          kind: "use_case_put",
          accountId,
          region: at.region,
          models: modelsWaiting,
          form: inputs.useCaseForm,
        });
      else
        unresolved.push({
          kind: "use_case_form_required",
          accountId,
          reason: `account ${accountId} needs the Anthropic use-case form for ${modelsWaiting.join(", ")}; plan again with useCaseForm`,
        });
    }
    const entriesDigest = canonicalHash([...entries].sort((a, b) => a.id.localeCompare(b.id)));
    return { changes, unresolved, fingerprint: canonicalHash({ scope, entriesDigest, changes, unresolved }), tree };
  }

  function requireAdmin(ctx: CallContext, what: string) {
    if (!hasRole(ctx.principal, "admin")) throw new ForbiddenError(`${what} needs the admin role`);
  }

  /** Checks the plan's SCP changes against Organizations itself (the inventory may be behind). */
  async function preflight(changes: readonly PlanChange[]): Promise<string[]> {
    const scpChanges = changes.filter((c) => c.kind.startsWith("scp_"));
    if (scpChanges.length === 0) return [];
    const org = deps.aws.organizations();
    const live = await org.listPolicies("SERVICE_CONTROL_POLICY");
    const byId = new Map(live.map((p) => [p.Id as string, p]));
    const problems: string[] = [];
    for (const c of scpChanges) {
      if (c.kind === "scp_create" && live.some((p) => p.Name === c.name))
        problems.push(`a policy named ${c.name} already exists`);
      if (c.kind === "scp_update" || c.kind === "scp_delete") {
        if (!byId.has(c.policyId)) {
          problems.push(`policy ${c.policyId} no longer exists`);
          continue;
        }
        const now = (await org.describePolicy(c.policyId))?.Content ?? "";
        if (now !== c.before) problems.push(`policy ${c.policyId} was changed since the last sync`);
      }
      if ((c.kind === "scp_detach" || c.kind === "scp_attach") && c.policyId && !byId.has(c.policyId))
        problems.push(`policy ${c.policyId} no longer exists`);
    }
    return problems;
  }

  async function execute(change: PlanChange, created: Map<string, string>): Promise<string | undefined> {
    const org = () => deps.aws.organizations();
    switch (change.kind) {
      case "scp_create": {
        const p = await org().createPolicy({
          name: change.name,
          description: change.description,
          content: change.content,
          type: "SERVICE_CONTROL_POLICY",
        });
        const id = p?.PolicySummary?.Id as string;
        created.set(change.name, id);
        return id;
      }
      case "scp_update":
        await org().updatePolicy({
          policyId: change.policyId,
          name: change.name,
          description: change.description,
          content: change.after,
        });
        return change.policyId;
      case "scp_attach": {
        const id = change.policyId ?? created.get(change.name);
        if (!id) throw new Error(`policy ${change.name} was not created`);
        await org().attachPolicy(id, change.target.id);
        return id;
      }
      case "scp_detach":
        await org().detachPolicy(change.policyId, change.target.id);
        return change.policyId;
      case "scp_delete":
        await org().deletePolicy(change.policyId);
        return change.policyId;
      case "agreement_create":
        await deps.aws
          .account(change.accountId)
          .bedrock(change.region)
          .createFoundationModelAgreement(change.modelId, change.offer.offerToken);
        return undefined;
      case "use_case_put":
        await deps.aws.account(change.accountId).bedrock(change.region).putUseCaseForModelAccess(change.form);
        return undefined;
    }
  }

  /** The audit form of a change: everything but policy bodies and forms. */
  function summary(change: PlanChange): Record<string, unknown> {
    switch (change.kind) {
      case "scp_create":
        return { kind: change.kind, name: change.name, target: change.target, characters: change.content.length };
      case "scp_update":
        return { kind: change.kind, policyId: change.policyId, name: change.name, target: change.target };
      case "scp_attach":
      case "scp_detach":
        return { kind: change.kind, policyId: change.policyId ?? null, name: change.name, target: change.target };
      case "scp_delete":
        return { kind: change.kind, policyId: change.policyId, name: change.name };
      case "agreement_create":
        return {
          kind: change.kind,
          accountId: change.accountId,
          region: change.region,
          modelId: change.modelId,
          offerId: change.offer.offerId,
        };
      case "use_case_put":
        return { kind: change.kind, accountId: change.accountId, region: change.region, models: change.models };
    }
  }

  return {
    /** Computes and stores a plan (admin or approver: planning reads AWS but writes nothing there). */
    async createPlan(ctx: CallContext, scope: PlanScope, inputs: PlanInputs = {}): Promise<RemediationPlan> {
      if (!hasRole(ctx.principal, "admin", "approver"))
        throw new ForbiddenError("planning remediation needs the admin or approver role");
      const computed = await compute(scope, inputs);
      const plan = {
        id: randomUUID(),
        scope,
        fingerprint: computed.fingerprint,
        changes: computed.changes,
        unresolved: computed.unresolved,
        inputs,
        createdBy: ctx.principal.id,
        createdAt: clock.now().toISOString(),
      };
      return deps.db.transaction(async (tx) => {
        const stored = await repo.insert(plan, tx);
        await deps.audit.record(
          ctx,
          {
            action: "remediation.plan",
            targetType: "remediation_plan",
            targetId: plan.id,
            after: { scope, changes: plan.changes.length, unresolved: plan.unresolved.length },
          },
          tx,
        );
        return stored;
      });
    },

    async get(ctx: CallContext, id: string): Promise<RemediationPlan> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const plan = await repo.find(id);
      if (!plan) throw new NotFoundError(`remediation plan ${id} not found`);
      return plan;
    },

    async list(ctx: CallContext, page: { limit: number; cursor?: string }): Promise<Page<RemediationPlan>> {
      if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
      const cursor = decodeCursor(page.cursor, isPlanCursor);
      const rows = await repo.list(
        page.limit,
        cursor ? { createdAt: new Date(cursor.createdAt), id: cursor.id } : undefined,
      );
      return toPage(rows, page.limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
    },

    /**
     * Applies a stored plan (admin only). Refuses with 409 — writing nothing — when the plan is not
     * `planned` any more, when recomputing it gives another fingerprint, or when Organizations
     * holds other SCP content than the plan saw.
     */
    async apply(ctx: CallContext, id: string): Promise<RemediationPlan> {
      requireAdmin(ctx, "applying a remediation plan");
      const plan = await repo.find(id);
      if (!plan) throw new NotFoundError(`remediation plan ${id} not found`);
      if (plan.status !== "planned")
        throw new ConflictError(
          `plan ${id} is ${plan.status}; make a new plan`,
          { planStatus: plan.status },
          "PLAN_NOT_APPLICABLE",
        );
      const now = await compute(plan.scope, plan.inputs);
      if (now.fingerprint !== plan.fingerprint)
        throw new ConflictError(
          `plan ${id} is stale: the catalog or the organization changed since it was made; make a new plan`,
          { planned: plan.changes.length, now: now.changes.length },
          "PLAN_STALE",
        );
      const problems = await preflight(plan.changes);
      if (problems.length > 0)
        throw new ConflictError(
          `plan ${id} is stale: ${problems.join("; ")}; sync and make a new plan`,
          { problems },
          "PLAN_STALE",
        );
      const claimed = await deps.db.transaction(async (tx) => {
        if (!(await repo.claim(id, ctx.principal.id, clock.now(), tx))) return false;
        await deps.audit.record(
          ctx,
          {
            action: "remediation.apply",
            targetType: "remediation_plan",
            targetId: id,
            before: { status: "planned" },
            after: { status: "applying", changes: plan.changes.length },
          },
          tx,
        );
        return true;
      });
      if (!claimed) throw new ConflictError(`plan ${id} is already being applied`, {}, "PLAN_NOT_APPLICABLE");

      const results: ChangeResult[] = [];
      const created = new Map<string, string>();
      let failed = false;
      for (const [index, change] of plan.changes.entries()) {
        if (failed) {
          results.push({ index, kind: change.kind, status: "skipped" });
          continue;
        }
        let result: ChangeResult;
        try {
          const policyId = await execute(change, created);
          result = { index, kind: change.kind, status: "applied", ...(policyId ? { policyId } : {}) };
        } catch (err) {
          failed = true;
          result = { index, kind: change.kind, status: "failed", error: gateOf(err) };
          deps.log.warn({ planId: id, index, kind: change.kind, err }, "remediation change failed");
        }
        results.push(result);
        await deps.db.transaction((tx) =>
          deps.audit.record(
            ctx,
            {
              action: "remediation.change",
              targetType: "remediation_plan",
              targetId: id,
              after: {
                ...summary(change),
                index,
                status: result.status,
                ...(result.error ? { error: result.error } : {}),
              },
            },
            tx,
          ),
        );
      }
      const status = failed ? "failed" : "applied";
      await deps.db.transaction(async (tx) => {
        await repo.finish(id, status, results, tx);
        await deps.audit.record(
          ctx,
          {
            action: "remediation.apply",
            targetType: "remediation_plan",
            targetId: id,
            before: { status: "applying" },
            after: {
              status,
              applied: results.filter((r) => r.status === "applied").length,
              failed: results.filter((r) => r.status === "failed").length,
              skipped: results.filter((r) => r.status === "skipped").length,
            },
          },
          tx,
        );
      });
      // Verify: re-sync what changed (what was applied, even when a later change failed).
      const appliedChanges = plan.changes.filter((_, i) => results[i]?.status === "applied");
      const runIds: string[] = [];
      for (const req of syncRequestsFor(appliedChanges, now.tree)) {
        try {
          runIds.push(await deps.requestSync(ctx, req));
        } catch (err) {
          deps.log.warn({ planId: id, req, err }, "could not start the verifying sync");
        }
      }
      if (runIds.length > 0) await repo.recordSyncRuns(id, runIds);
      return (await repo.find(id)) as RemediationPlan;
    },
  };
}

export type RemediationService = ReturnType<typeof createRemediationService>;
