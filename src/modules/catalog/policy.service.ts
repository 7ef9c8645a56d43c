// Policies compiled from the catalog and the inventory: the SCPs that keep a root, OU or account
// inside the catalog, and least-privilege IAM policies for a developer role in an account-Region.
import { isAccountId, targetKindOf } from "../../kernel/aws-ids.js";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../../kernel/errors.js";
import { type CallContext, hasRole } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { CatalogEntry, DesiredStateSource } from "./catalog.types.js";
import {
  type CompiledIamPolicy,
  type CompiledScp,
  compileIamPolicy,
  compileScps,
  PolicyTooLargeError,
} from "./policy-compiler.js";
import type { PolicyFactsRepository } from "./policy-facts.repository.js";

function scopeId(e: CatalogEntry): string | null {
  return e.scope.kind === "organization" ? null : e.scope.id;
}

export function createPolicyService(deps: { desired: DesiredStateSource; facts: PolicyFactsRepository; clock: Clock }) {
  const { facts } = deps;

  function requireViewer(ctx: CallContext) {
    if (!hasRole(ctx.principal, "viewer")) throw new ForbiddenError("needs the viewer role");
  }

  return {
    /**
     * SCPs for a target. An SCP is a ceiling for everything below it, so it allows every entry that
     * applies at the target, above it (organization, ancestor OUs) or anywhere below it; entries of
     * one account are narrowed again by that account's own SCPs.
     */
    async scps(
      ctx: CallContext,
      targetId: string,
    ): Promise<{ target: { kind: "root" | "ou" | "account"; id: string }; policies: CompiledScp[] }> {
      requireViewer(ctx);
      const lineage = await facts.lineage(targetId);
      if (!lineage)
        throw new UnprocessableError(`unknown target ${targetId}`, [
          { field: "query.targetId", message: "not a known root, OU or account" },
        ]);
      const kind = targetKindOf(targetId) ?? "ou";
      const below = kind === "account" ? new Set<string>() : await facts.descendants(targetId);
      const entries = (await deps.desired.entries()).filter((e) => {
        const id = scopeId(e);
        return id === null || lineage.includes(id) || below.has(id);
      });
      const [models, profiles, mantleModels, lineages] = await Promise.all([
        facts.models(),
        facts.profiles(),
        facts.mantleModels(),
        facts.accountLineagesBelow(targetId),
      ]);
      // The retention pin is the union over the accounts the target governs (scp-surfaces.ts).
      const retentionGroups = lineages.map((chain) =>
        entries.filter((e) => {
          const id = scopeId(e);
          return id === null || chain.includes(id);
        }),
      );
      const target = { kind, id: targetId } as const;
      try {
        return {
          target,
          policies: compileScps({
            target,
            entries,
            models,
            profiles,
            mantleModels,
            retentionGroups,
            now: deps.clock.now(),
          }),
        };
      } catch (err) {
        if (err instanceof PolicyTooLargeError)
          throw new UnprocessableError(
            err.message,
            [{ field: "query.targetId", message: "catalog too large for SCPs" }],
            "POLICY_TOO_LARGE",
          );
        throw err;
      }
    },

    /** The least-privilege identity policy for a developer role in one account and Region. */
    async iam(ctx: CallContext, accountId: string, region: string): Promise<CompiledIamPolicy> {
      requireViewer(ctx);
      const lineage = await facts.lineage(accountId);
      if (!lineage || !isAccountId(accountId)) throw new NotFoundError(`account ${accountId} is not in the inventory`);
      const entries = (await deps.desired.entries()).filter((e) => {
        const id = scopeId(e);
        return id === null || lineage.includes(id);
      });
      const [models, profiles, mantleModels] = await Promise.all([
        facts.models(),
        facts.profiles(),
        facts.mantleModelsIn(accountId, region),
      ]);
      return compileIamPolicy({ accountId, region, entries, models, profiles, mantleModels, now: deps.clock.now() });
    },
  };
}

export type PolicyService = ReturnType<typeof createPolicyService>;
