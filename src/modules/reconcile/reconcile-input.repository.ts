// Reads the inventory in the reconciler's terms: accounts with their lineage, account-Regions,
// model access rows, inference profiles, and the SCPs in force at every level above each account.
import type { PrismaClient } from "../../db/prisma.js";
import { type NamedPolicy, parsePolicyDocument, type ScpLevel } from "../../lib/policy-evaluator.js";
import type {
  EnforcedGuardrail,
  ReconcileAccount,
  ReconcileAccountRegion,
  ReconcileInput,
  ReconcileModel,
  ReconcileProfile,
} from "./reconcile.types.js";

export type InventoryForReconcile = Omit<ReconcileInput, "entries" | "now" | "legacyWindowDays">;

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** Enforced guardrails as stored by the sync (ListEnforcedGuardrailsConfiguration items). */
function toGuardrails(v: unknown): EnforcedGuardrail[] | null {
  if (!Array.isArray(v)) return null;
  return v.flatMap((g): EnforcedGuardrail[] => {
    if (g === null || typeof g !== "object") return [];
    const o = g as { guardrailId?: unknown; guardrailArn?: unknown; modelEnforcement?: unknown };
    const enforcement = (o.modelEnforcement ?? {}) as { includedModels?: unknown; excludedModels?: unknown };
    const id =
      typeof o.guardrailId === "string" ? o.guardrailId : typeof o.guardrailArn === "string" ? o.guardrailArn : "";
    return [
      {
        guardrailId: id,
        includedModels: strings(enforcement.includedModels),
        excludedModels: strings(enforcement.excludedModels),
      },
    ];
  });
}

export function createReconcileInputRepository(client: PrismaClient) {
  return {
    /** The inventory of the given accounts (all accounts in the organization when unset). */
    async load(accountIds?: readonly string[]): Promise<InventoryForReconcile> {
      const ids = accountIds === undefined ? undefined : [...accountIds];
      const byAccount = ids === undefined ? {} : { accountId: { in: ids } };
      const [accounts, nodes, regions, models, profiles, attachments] = await Promise.all([
        client.account.findMany({ where: ids === undefined ? { leftAt: null } : { id: { in: ids } } }),
        client.orgNode.findMany({ where: { removedAt: null }, select: { id: true, parentId: true } }),
        client.accountRegion.findMany({ where: byAccount }),
        client.modelAccess.findMany({ where: byAccount }),
        client.inferenceProfile.findMany({ where: byAccount }),
        client.orgPolicyAttachment.findMany({
          where: { policy: { type: "SERVICE_CONTROL_POLICY", removedAt: null } },
          include: { policy: { select: { id: true, content: true } } },
        }),
      ]);
      const parents = new Map(nodes.map((n) => [n.id, n.parentId]));
      const lineageOf = (accountId: string, parentId: string | null): string[] => {
        const chain = [accountId];
        for (let at = parentId; at && !chain.includes(at); at = parents.get(at) ?? null) chain.push(at);
        return chain;
      };
      const policiesByTarget = new Map<string, NamedPolicy[]>();
      for (const a of attachments) {
        let document: NamedPolicy["document"];
        try {
          document = parsePolicyDocument(a.policy.content);
        } catch {
          continue; // AWS validated it on the way in; an unreadable copy cannot decide anything
        }
        policiesByTarget.set(a.targetId, [...(policiesByTarget.get(a.targetId) ?? []), { id: a.policy.id, document }]);
      }
      const scps = new Map<string, ScpLevel[]>();
      const outAccounts: ReconcileAccount[] = accounts.map((a) => {
        const lineage = lineageOf(a.id, a.parentId);
        // SCPs are evaluated root first; with none known at all, no SCP decides anything. SCPs never
        // apply to the management account.
        if (attachments.length > 0 && !a.management)
          scps.set(
            a.id,
            [...lineage].reverse().map((targetId) => ({ targetId, policies: policiesByTarget.get(targetId) ?? [] })),
          );
        return {
          id: a.id,
          name: a.name,
          state: a.state,
          leftAt: a.leftAt,
          lineage,
          useCaseSubmitted: a.useCaseSubmitted,
          management: a.management,
        };
      });
      const accountRegions: ReconcileAccountRegion[] = regions.map((r) => ({
        accountId: r.accountId,
        region: r.region,
        status: r.status,
        lastSuccessAt: r.lastSuccessAt,
        lastErrorAt: r.lastErrorAt,
        lastErrorGate: r.lastErrorGate,
        lastErrorCode: r.lastErrorCode,
        lastErrorMessage: r.lastErrorMessage,
        loggingEnabled: r.loggingEnabled,
        guardrails: r.status === "never" ? null : toGuardrails(r.guardrails),
      }));
      const outModels: ReconcileModel[] = models.map((m) => ({
        accountId: m.accountId,
        region: m.region,
        modelId: m.modelId,
        provider: m.provider,
        lifecycleStatus: m.lifecycleStatus,
        legacyTime: m.legacyTime,
        endOfLifeTime: m.endOfLifeTime,
        agreementStatus: m.agreementStatus,
        agreementError: m.agreementError,
        authorizationStatus: m.authorizationStatus,
        entitlementAvailability: m.entitlementAvailability,
        regionAvailability: m.regionAvailability,
        offerCount: m.offerCount,
      }));
      const outProfiles: ReconcileProfile[] = profiles.map((p) => ({
        accountId: p.accountId,
        region: p.region,
        profileId: p.profileId,
        isGlobal: p.isGlobal,
        modelIds: p.modelIds,
        destinationRegions: p.destinationRegions,
      }));
      return {
        accounts: outAccounts,
        accountRegions,
        models: outModels,
        profiles: outProfiles,
        scps,
      };
    },
  };
}

export type ReconcileInputRepository = ReturnType<typeof createReconcileInputRepository>;
