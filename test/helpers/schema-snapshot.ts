// What a database's schema is, read from the PostgreSQL catalog, in a form two databases can be
// compared by: tables, columns, enums, indexes, constraints and sequences of schema `public`.
// Prisma's bookkeeping table, triggers, functions and hand-written indexes (named hw_*) are left
// out: migrations may add them beyond what schema.prisma can express. A table the migrations
// partition (which schema.prisma cannot say) compares as the table Prisma renders: its partitions
// are left out and its indexes read without the `ON ONLY` that partitioned parents show.
import pg from "pg";

export interface SchemaSnapshot {
  enums: Record<string, string[]>;
  columns: Record<string, string>;
  indexes: Record<string, string>;
  constraints: Record<string, string>;
  sequences: string[];
}

const EXCLUDED_TABLES = ["_prisma_migrations"];

export async function snapshotSchema(url: string): Promise<SchemaSnapshot> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const enums = await c.query<{ name: string; labels: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' GROUP BY t.typname`);
    const columns = await c.query<{ key: string; def: string }>(
      `
      SELECT cl.relname || '.' || a.attname AS key,
             format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
               || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS def
      FROM pg_attribute a
      JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND cl.relkind IN ('r', 'p') AND NOT cl.relispartition AND a.attnum > 0
        AND NOT a.attisdropped AND NOT (cl.relname = ANY($1))`,
      [EXCLUDED_TABLES],
    );
    const indexes = await c.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, replace(i.indexdef, ' ON ONLY ', ' ON ') AS def FROM pg_indexes i
       JOIN pg_class t ON t.relname = i.tablename AND t.relnamespace = 'public'::regnamespace
       WHERE i.schemaname = 'public' AND NOT t.relispartition AND NOT (i.tablename = ANY($1))
         AND i.indexname NOT LIKE 'hw\\_%'`,
      [EXCLUDED_TABLES],
    );
    const constraints = await c.query<{ key: string; def: string }>(
      `
      SELECT cl.relname || '.' || co.conname AS key, pg_get_constraintdef(co.oid) AS def
      FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE n.nspname = 'public' AND NOT cl.relispartition AND NOT (cl.relname = ANY($1))`,
      [EXCLUDED_TABLES],
    );
    const sequences = await c.query<{ name: string }>(
      `SELECT sequencename AS name FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
    );
    return {
      enums: Object.fromEntries(enums.rows.map((r) => [r.name, r.labels])),
      columns: Object.fromEntries(columns.rows.map((r) => [r.key, r.def])),
      indexes: Object.fromEntries(indexes.rows.map((r) => [r.name, r.def])),
      constraints: Object.fromEntries(constraints.rows.map((r) => [r.key, r.def])),
      sequences: sequences.rows.map((r) => r.name),
    };
  } finally {
    await c.end();
  }
}

/** Foreign keys whose columns do not lead any index (each needs one: joins, cascades, locks). */
export async function unindexedForeignKeys(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ fk: string }>(`
      SELECT cl.relname || '.' || co.conname AS fk
      FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE co.contype = 'f' AND n.nspname = 'public'
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = co.conrelid
            AND (i.indkey::int2[])[0:cardinality(co.conkey) - 1] @> co.conkey
            AND (i.indkey::int2[])[0:cardinality(co.conkey) - 1] <@ co.conkey)
      ORDER BY 1`);
    return rows.map((r) => r.fk);
  } finally {
    await c.end();
  }
}
