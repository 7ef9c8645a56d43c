// What filing a request needs to know from the inventory: accounts and their lineage, Regions in
// use, where a model is offered and which profiles reach it. Read-only, a few set-based queries.
import type { Database } from "../../db/prisma.js";

export interface AccountFact {
  id: string;
  name: string;
  state: string;
  /** The account, its OUs upwards, the root. */
  lineage: string[];
}

export interface ProfileRouteFact {
  profileId: string;
  modelId: string;
  /** Source Regions (where the profile can be called) among the inventory's account-Regions. */
  sourceRegions: string[];
  destinationRegions: string[];
  isGlobal: boolean;
}

export interface TargetFact {
  kind: "model" | "profile";
  modelId: string;
  profileId: string | null;
  provider: string;
  /** Regions where the model is offered (any account). */
  offeredIn: string[];
  /** Profiles that route to the model. */
  profiles: ProfileRouteFact[];
}

export interface PolicyFact {
  id: string;
  name: string;
  type: string;
  /** Roots, OUs and accounts it is attached to. */
  targets: string[];
}

export function createRequestInventoryRepository(db: Database) {
  const client = db.client;
  return {
    /** Accounts still in the organization, with lineage; missing ids are simply absent. */
    async accounts(ids: string[]): Promise<Map<string, AccountFact>> {
      const [accounts, nodes] = await Promise.all([
        client.account.findMany({ where: { id: { in: ids }, leftAt: null } }),
        client.orgNode.findMany({ where: { removedAt: null }, select: { id: true, parentId: true } }),
      ]);
      const parents = new Map(nodes.map((n) => [n.id, n.parentId]));
      const out = new Map<string, AccountFact>();
      for (const a of accounts) {
        const lineage = [a.id];
        for (let at = a.parentId; at && !lineage.includes(at); at = parents.get(at) ?? null) lineage.push(at);
        out.set(a.id, { id: a.id, name: a.name, state: a.state, lineage });
      }
      return out;
    },

    /** Regions the inventory knows (synced for at least one account). */
    async knownRegions(): Promise<Set<string>> {
      const rows = await client.accountRegion.findMany({ distinct: ["region"], select: { region: true } });
      return new Set(rows.map((r) => r.region));
    },

    /** The model or profile id as the inventory knows it, or undefined. */
    async target(id: string): Promise<TargetFact | undefined> {
      const profileRow = await client.inferenceProfile.findFirst({ where: { profileId: id } });
      const modelId = profileRow ? (profileRow.modelIds[0] ?? id) : id;
      const [offered, profiles, providerRow] = await Promise.all([
        client.modelAccess.findMany({ where: { modelId }, distinct: ["region"], select: { region: true } }),
        client.$queryRaw<
          Array<{ profile_id: string; sources: string[]; destinations: string[]; is_global: boolean }>
        >`SELECT profile_id, array_agg(DISTINCT region ORDER BY region) AS sources,
            (array_agg(destination_regions))[1] AS destinations, bool_or(is_global) AS is_global
          FROM inference_profiles WHERE model_ids @> ARRAY[${modelId}]::text[]
          GROUP BY profile_id ORDER BY profile_id`,
        client.modelAccess.findFirst({ where: { modelId }, select: { provider: true } }),
      ]);
      if (!profileRow && offered.length === 0 && profiles.length === 0) return undefined;
      return {
        kind: profileRow ? "profile" : "model",
        modelId,
        profileId: profileRow ? id : null,
        provider: providerRow?.provider ?? modelId.replace(/^(?:[a-z]+\.)?([a-z0-9-]+)\..*$/, "$1"),
        offeredIn: offered.map((r) => r.region).sort(),
        profiles: profiles.map((p) => ({
          profileId: p.profile_id,
          modelId,
          sourceRegions: p.sources,
          destinationRegions: p.destinations ?? [],
          isGlobal: p.is_global,
        })),
      };
    },

    /** Policies by id (name, type, where attached); missing or removed ids are absent. */
    async policies(ids: readonly string[]): Promise<Map<string, PolicyFact>> {
      if (ids.length === 0) return new Map();
      const rows = await client.orgPolicy.findMany({
        where: { id: { in: [...ids] }, removedAt: null },
        select: { id: true, name: true, type: true, attachments: { select: { targetId: true } } },
      });
      return new Map(
        rows.map((r) => [
          r.id,
          { id: r.id, name: r.name, type: r.type, targets: r.attachments.map((a) => a.targetId).sort() },
        ]),
      );
    },

    /** (account, Region) pairs where the model is offered, or the profile can be called, as `acct|region`. */
    async offeredPairs(accountIds: string[], regions: string[], target: TargetFact): Promise<Set<string>> {
      const rows =
        target.kind === "profile"
          ? await client.inferenceProfile.findMany({
              where: { accountId: { in: accountIds }, region: { in: regions }, profileId: target.profileId as string },
              select: { accountId: true, region: true },
            })
          : await client.modelAccess.findMany({
              where: { accountId: { in: accountIds }, region: { in: regions }, modelId: target.modelId },
              select: { accountId: true, region: true },
            });
      return new Set(rows.map((r) => `${r.accountId}|${r.region}`));
    },
  };
}

export type RequestInventoryRepository = ReturnType<typeof createRequestInventoryRepository>;
