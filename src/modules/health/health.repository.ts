import type { Database } from "../../db/prisma.js";

export interface AppliedMigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export function createHealthRepository(db: Database) {
  const client = db.client;
  return {
    /** Undefined when the bookkeeping table does not exist (nothing migrated yet). */
    async appliedMigrations(): Promise<AppliedMigrationRow[] | undefined> {
      const [exists] = await client.$queryRaw<
        { t: string | null }[]
      >`SELECT to_regclass('"_prisma_migrations"')::text AS t`;
      if (!exists?.t) return undefined;
      return client.$queryRaw<AppliedMigrationRow[]>`
        SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`;
    },
  };
}

export type HealthRepository = ReturnType<typeof createHealthRepository>;
