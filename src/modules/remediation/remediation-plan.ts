// Remediation planning: the exact AWS changes that bring a scope in line with the catalog (SCPs,
// data-retention modes, managed-entitlement grants, Marketplace agreements where an entry opts in,
// the Anthropic use case), computed from the current catalog, inventory
// and live agreement offers. The same computation gives the fingerprint apply checks a plan by.
import type { Logger } from "pino";
import type { AwsAccess } from "../../aws/aws-access.js";
import type { Database } from "../../db/prisma.js";
import { canonicalHash } from "../../kernel/canonical-json.js";
import { UnprocessableError } from "../../kernel/errors.js";
import type { CallContext } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { DesiredStateSource } from "../catalog/catalog.types.js";
import type { PolicyFactsRepository } from "../catalog/policy-facts.repository.js";
import type { SyncRequest } from "../inventory/sync.service.js";
import { createReachabilityEngine } from "../reachability/engine.js";
import type { FactsRepository } from "../reachability/facts.repository.js";
import { reconcile } from "../reconcile/reconcile.js";
import type { FindingCandidate } from "../reconcile/reconcile.types.js";
import { planRetention } from "./entitlement-plan.js";
import { planGrants } from "./grant-plan.js";
import type { RemediationRepository } from "./remediation.repository.js";
import type { PlanChange, PlanInputs, PlanScope, Unresolved } from "./remediation.types.js";
import { gateOf } from "./remediation-apply.js";
import { includedNodes, managedOwner, type OrgTreeNode, orgTree, planScps } from "./scp-plan.js";

export interface Computed {
  changes: PlanChange[];
  unresolved: Unresolved[];
  fingerprint: string;
}

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

/** What the remediation service is built from (the planner uses the read side of it). */
export interface RemediationDeps {
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
  /** A sync run's status (queued, running, succeeded, partial, failed). */
  syncRunStatus: (ctx: CallContext, runId: string) => Promise<string>;
  /** Reconciles these accounts now (a staged rollout's verification). */
  reconcileAccounts: (ctx: CallContext, accountIds: string[]) => Promise<unknown>;
  settings: {
    legacyWindowDays: number;
    /** How long a staged rollout waits for its verifying sync (default 15 minutes), polling every `rolloutPollMs`. */
    rolloutSyncTimeoutMs?: number;
    rolloutPollMs?: number;
    /** How long an apply's lease on its plan lasts (renewed while it runs); default 60 s. */
    applyLeaseSeconds?: number;
  };
}

export function createRemediationPlanner(
  deps: Pick<RemediationDeps, "repo" | "desired" | "facts" | "inventory" | "aws" | "clock" | "settings">,
) {
  const { repo, clock } = deps;

  function scopeAccounts(scope: PlanScope, tree: readonly OrgTreeNode[]): string[] {
    if (scope.kind === "organization") return tree.filter((n) => n.kind === "account").map((n) => n.id);
    const t = orgTree(tree);
    const node = t.byId.get(scope.id);
    if (!node || (scope.kind === "account" ? node.kind !== "account" : node.kind === "account"))
      throw new UnprocessableError(`unknown ${scope.kind === "ou" ? "OU or root" : "account"} ${scope.id}`, [
        { field: "body.scope.id", message: "not in the inventory" },
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
    const [entries, models, profiles, mantleModels, policies, inventory] = await Promise.all([
      deps.desired.entries(now),
      deps.facts.models(),
      deps.facts.profiles(),
      deps.facts.mantleModels(),
      repo.scps(),
      deps.inventory.accounts(accounts),
    ]);
    const scp = planScps({
      nodes: tree,
      entries,
      models,
      profiles,
      mantleModels,
      policies,
      now,
      include: includedNodes(tree, accounts, scope.kind === "ou" ? [scope.id] : []),
    });
    const region = scope.kind === "account" ? scope.region : undefined;
    const retention = planRetention(inventory, entries, region);
    const grants = await planGrants({
      aws: deps.aws,
      accounts: inventory,
      entries,
      managementAccountId: tree.find((n) => n.management)?.id,
    });
    const changes: PlanChange[] = [...scp.changes, ...retention.changes, ...grants.changes];
    const unresolved: Unresolved[] = [...scp.unresolved, ...retention.unresolved, ...grants.unresolved];
    const retentionSet = new Set(
      retention.changes.map((c) => (c.kind === "retention_put" ? `${c.accountId}|${c.region}` : "")),
    );
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
      // What this plan's own grant and retention changes fix is not left to a person.
      if (f.type === "ENTITLEMENT_INACTIVE" && grants.accounts.has(f.accountId)) continue;
      if (f.type === "RETENTION_VIOLATION" && retentionSet.has(`${f.accountId}|${f.region}`)) continue;
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

  return { compute };
}

export type RemediationPlanner = ReturnType<typeof createRemediationPlanner>;
