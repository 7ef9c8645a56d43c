// Catalog versions: every change appends a version and closes the previous one, in one
// transaction with set-based statements. Reads: the current catalog, the catalog at a time, history.
import type { Database, PrismaClient, Tx } from "../../db/prisma.js";
import type { CatalogEntry } from "./catalog.types.js";

export interface CatalogVersionRow {
  entryId: string;
  version: number;
  op: "created" | "updated" | "deleted";
  entry: CatalogEntry | null;
  validFrom: string;
  validTo: string | null;
  changedBy: string;
  reason: string;
  changeSetId: string;
}

interface Db {
  entry_id: string;
  version: number;
  op: string;
  data: unknown;
  valid_from: Date;
  valid_to: Date | null;
  changed_by: string;
  reason: string;
  change_set_id: string;
}

const toRow = (r: Db): CatalogVersionRow => ({
  entryId: r.entry_id,
  version: r.version,
  op: r.op as CatalogVersionRow["op"],
  entry: (r.data as CatalogEntry | null) ?? null,
  validFrom: r.valid_from.toISOString(),
  validTo: r.valid_to?.toISOString() ?? null,
  changedBy: r.changed_by,
  reason: r.reason,
  changeSetId: r.change_set_id,
});

export interface CatalogChange {
  entryId: string;
  op: "created" | "updated" | "deleted";
  entry: CatalogEntry | null;
}

export function createCatalogRepository(db: Database) {
  const client = db.client;
  return {
    /** Current versions (entry and its version number), in id order. */
    async current(tx: Tx | PrismaClient = client): Promise<CatalogVersionRow[]> {
      const rows = await tx.$queryRaw<Db[]>`
        SELECT * FROM catalog_versions WHERE valid_to IS NULL AND op <> 'deleted' ORDER BY entry_id`;
      return rows.map(toRow);
    },

    /** The catalog in force at `at`. */
    async at(at: Date): Promise<CatalogVersionRow[]> {
      const rows = await client.$queryRaw<Db[]>`
        SELECT * FROM catalog_versions
        WHERE valid_from <= ${at} AND (valid_to IS NULL OR valid_to > ${at}) AND op <> 'deleted' ORDER BY entry_id`;
      return rows.map(toRow);
    },

    async history(entryId: string): Promise<CatalogVersionRow[]> {
      const rows = await client.$queryRaw<
        Db[]
      >`SELECT * FROM catalog_versions WHERE entry_id = ${entryId} ORDER BY version DESC`;
      return rows.map(toRow);
    },

    /** Serializes catalog writers, then returns the current versions (entry id → version) to check against. */
    async lockAndReadVersions(tx: Tx): Promise<Map<string, number>> {
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext('catalog'))) AS l`;
      const rows = await tx.$queryRaw<Array<{ entry_id: string; version: number; op: string }>>`
        SELECT entry_id, version, op FROM catalog_versions WHERE valid_to IS NULL`;
      return new Map(rows.map((r) => [r.entry_id, r.op === "deleted" ? -r.version : r.version]));
    },

    /** Appends one version per change and closes the versions they replace. */
    async append(
      changes: CatalogChange[],
      meta: { at: Date; by: string; reason: string; changeSetId: string },
      tx: Tx,
    ): Promise<void> {
      if (changes.length === 0) return;
      const ids = changes.map((c) => c.entryId);
      await tx.$executeRaw`UPDATE catalog_versions SET valid_to = ${meta.at} WHERE valid_to IS NULL AND entry_id = ANY(${ids}::text[])`;
      await tx.$executeRaw`
        INSERT INTO catalog_versions (entry_id, version, op, data, valid_from, changed_by, reason, change_set_id)
        SELECT c."entryId",
               coalesce((SELECT max(v.version) FROM catalog_versions v WHERE v.entry_id = c."entryId"), 0) + 1,
               c.op, c.entry, ${meta.at}, ${meta.by}, ${meta.reason}, ${meta.changeSetId}::uuid
        FROM jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) AS c("entryId" text, op text, entry jsonb)`;
    },
  };
}

export type CatalogRepository = ReturnType<typeof createCatalogRepository>;
