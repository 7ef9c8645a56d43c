// What the policy compiler needs from the inventory: models with the Regions offering them,
// system inference profiles with their source and destination Regions, the model ids bedrock-mantle
// serves, and the org tree.

import type { Database } from "../../db/prisma.js";
import { soldThroughMarketplace } from "../reachability/model-traits.js";
import type { ModelFact, ProfileFact } from "./grants.js";

export function createPolicyFactsRepository(db: Database) {
  const client = db.client;
  const repo = {
    async models(): Promise<ModelFact[]> {
      const rows = await client.$queryRaw<
        (Omit<ModelFact, "marketplace"> & { offers: boolean; agreements: string[] })[]
      >`
        SELECT model_id AS "modelId", min(provider) AS provider, array_agg(DISTINCT region ORDER BY region) AS regions,
          coalesce(bool_or(offer_count > 0), false) AS offers,
          array_remove(array_agg(DISTINCT agreement_status), NULL) AS agreements
        FROM model_access GROUP BY model_id ORDER BY model_id`;
      return rows.map(({ offers, agreements, ...m }) => ({
        ...m,
        marketplace: soldThroughMarketplace(m.modelId, [
          { agreementStatus: null, offerCount: offers ? 1 : 0 },
          ...agreements.map((agreementStatus) => ({ agreementStatus, offerCount: null })),
        ]),
      }));
    },

    async profiles(): Promise<ProfileFact[]> {
      // Destination Regions are the same wherever a system profile is seen (empty for global ones).
      return client.$queryRaw<ProfileFact[]>`
        SELECT profile_id AS "profileId", min(model_ids[1]) AS "modelId",
          array_agg(DISTINCT region ORDER BY region) AS "sourceRegions",
          (jsonb_agg(to_jsonb(destination_regions) ORDER BY region)) -> 0 AS "destinationRegions",
          bool_or(is_global) AS "isGlobal"
        FROM inference_profiles WHERE cardinality(model_ids) > 0 GROUP BY profile_id ORDER BY profile_id`;
    },

    /**
     * The model ids bedrock-mantle serves in an account-Region, as its last sync read them
     * (the `mantle_models` fact); undefined when never read or unreadable.
     */
    async mantleModelsIn(accountId: string, region: string): Promise<string[] | undefined> {
      const row = await client.inventoryFact.findUnique({
        where: { accountId_region_fact: { accountId, region, fact: "mantle_models" } },
        select: { known: true, value: true },
      });
      if (!row?.known || !Array.isArray(row.value)) return undefined;
      return row.value
        .map((m) => (m !== null && typeof m === "object" && !Array.isArray(m) ? m.mantleId : undefined))
        .filter((id): id is string => typeof id === "string" && id !== "");
    },

    /** Model ids bedrock-mantle serves in some account-Region (its `mantle_models` facts). */
    async mantleModels(): Promise<string[]> {
      const rows = await client.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT m ->> 'mantleId' AS id
        FROM inventory_facts f CROSS JOIN LATERAL jsonb_array_elements(
          CASE WHEN jsonb_typeof(f.value) = 'array' THEN f.value ELSE '[]'::jsonb END) AS m
        WHERE f.fact = 'mantle_models' AND f.known AND m ->> 'mantleId' IS NOT NULL
        ORDER BY 1`;
      return rows.map((r) => r.id);
    },

    /** The node (root, OU or account) and its ancestors up to the root, nearest first; undefined when unknown. */
    async lineage(targetId: string): Promise<string[] | undefined> {
      const account = await client.account.findUnique({ where: { id: targetId }, select: { parentId: true } });
      let at: string | null = account ? account.parentId : targetId;
      if (!account && !(await client.orgNode.findUnique({ where: { id: targetId } }))) return undefined;
      const chain = account ? [targetId] : [];
      const parents = new Map(
        (await client.orgNode.findMany({ where: { removedAt: null }, select: { id: true, parentId: true } })).map(
          (n) => [n.id, n.parentId],
        ),
      );
      while (at && !chain.includes(at)) {
        chain.push(at);
        at = parents.get(at) ?? null;
      }
      return chain;
    },

    /** Ids of every OU and account below an OU or the root. */
    async descendants(nodeId: string): Promise<Set<string>> {
      const node = await client.orgNode.findUnique({ where: { id: nodeId } });
      if (!node) return new Set();
      const [ous, accounts] = await Promise.all([
        client.orgNode.findMany({
          where: { removedAt: null, path: { startsWith: `${node.path}/` } },
          select: { id: true },
        }),
        client.account.findMany({
          where: { leftAt: null, path: { startsWith: node.path } },
          select: { id: true, path: true },
        }),
      ]);
      return new Set([
        ...ous.map((o) => o.id),
        ...accounts.filter((a) => a.path === node.path || a.path.startsWith(`${node.path}/`)).map((a) => a.id),
      ]);
    },

    /** Each active account at or below a node with its lineage (self first, up to the root). */
    async accountLineagesBelow(nodeId: string): Promise<string[][]> {
      const [below, nodes] = await Promise.all([
        repo.descendants(nodeId),
        client.orgNode.findMany({ where: { removedAt: null }, select: { id: true, parentId: true } }),
      ]);
      const parents = new Map(nodes.map((n) => [n.id, n.parentId]));
      const accounts = await client.account.findMany({
        where: { leftAt: null, id: { in: [nodeId, ...below] } },
        select: { id: true, parentId: true },
      });
      return accounts.map((a) => {
        const chain = [a.id];
        for (let at = a.parentId; at && !chain.includes(at); at = parents.get(at) ?? null) chain.push(at);
        return chain;
      });
    },
  };
  return repo;
}

export type PolicyFactsRepository = ReturnType<typeof createPolicyFactsRepository>;
