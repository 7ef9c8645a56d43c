// Region scopes: the Regions an organization root, OU or account is held to, overriding the
// configured defaults for everything below it.
import type { Database, PrismaClient, Tx } from "../../db/prisma.js";
import type { RegionScopeView } from "./inventory-query.types.js";

export function createRegionScopeRepository(db: Database) {
  const client = db.client;
  return {
    /** Region overrides with what they are attached to; keyset on target id. Reads `limit + 1` rows. */
    async listRegionScopes(limit: number, afterTargetId?: string, tx?: Tx): Promise<RegionScopeView[]> {
      return regionScopes(undefined, limit + 1, afterTargetId, tx ?? client);
    },

    async findRegionScope(targetId: string, tx?: Tx): Promise<RegionScopeView | undefined> {
      const [found] = await regionScopes(targetId, 1, undefined, tx ?? client);
      return found;
    },

    /** The kind of a root, OU or account still in the organization; undefined when unknown. */
    async targetKind(targetId: string, tx?: Tx): Promise<"root" | "ou" | "account" | undefined> {
      const [row] = await (tx ?? client).$queryRaw<Array<{ kind: "root" | "ou" | "account" }>>`
        SELECT kind FROM org_nodes WHERE id = ${targetId} AND removed_at IS NULL
        UNION ALL
        SELECT 'account' FROM accounts WHERE id = ${targetId} AND left_at IS NULL
        LIMIT 1`;
      return row?.kind;
    },

    async putRegionScope(targetId: string, regions: string[], updatedBy: string, tx: Tx): Promise<void> {
      // One statement, so two admins setting the same scope at once cannot collide on the key.
      await tx.$executeRaw`
        INSERT INTO region_scopes (target_id, regions, updated_at, updated_by)
        VALUES (${targetId}, ${regions}::text[], now(), ${updatedBy})
        ON CONFLICT (target_id) DO UPDATE SET regions = EXCLUDED.regions, updated_at = EXCLUDED.updated_at,
          updated_by = EXCLUDED.updated_by`;
    },

    /** Deletes an override; false when there was none. */
    async deleteRegionScope(targetId: string, tx: Tx): Promise<boolean> {
      const { count } = await tx.regionScope.deleteMany({ where: { targetId } });
      return count > 0;
    },
  };
}

async function regionScopes(
  targetId: string | undefined,
  limit: number,
  afterTargetId: string | undefined,
  db: PrismaClient | Tx,
): Promise<RegionScopeView[]> {
  const rows = await db.$queryRaw<
    Array<{
      target_id: string;
      target_kind: "root" | "ou" | "account";
      target_name: string | null;
      regions: string[];
      updated_at: Date;
      updated_by: string;
    }>
  >`
    SELECT s.target_id, coalesce(n.kind, 'account') AS target_kind, coalesce(n.name, a.name) AS target_name,
      s.regions, s.updated_at, s.updated_by
    FROM region_scopes s
    LEFT JOIN org_nodes n ON n.id = s.target_id
    LEFT JOIN accounts a ON a.id = s.target_id
    WHERE (${targetId ?? null}::text IS NULL OR s.target_id = ${targetId ?? null})
      AND (${afterTargetId ?? null}::text IS NULL OR s.target_id > ${afterTargetId ?? null})
    ORDER BY s.target_id LIMIT ${limit}`;
  return rows.map((r) => ({
    targetId: r.target_id,
    targetKind: r.target_kind,
    targetName: r.target_name,
    regions: r.regions,
    updatedAt: r.updated_at.toISOString(),
    updatedBy: r.updated_by,
  }));
}
export type RegionScopeRepository = ReturnType<typeof createRegionScopeRepository>;
