// Ingestion runs, checkpoints, and the account-Regions to read (from the inventory).
import type { Database, Tx } from "../../db/prisma.js";
import type {
  Ingestion,
  IngestionJobResult,
  IngestionParams,
  IngestionStatus,
  InvocationSource,
} from "./invocations.types.js";

interface IngestionDb {
  id: string;
  source: string;
  status: string;
  params: unknown;
  requested_by: string;
  created_at: Date;
  finished_at: Date | null;
  jobs_total: number;
  jobs_done: number;
  jobs_failed: number;
  events_read: number;
  events_added: number;
  pages: number;
  last_error: string | null;
  warnings: string[] | null;
}

const toIngestion = (r: IngestionDb): Ingestion => ({
  id: r.id,
  source: r.source as InvocationSource,
  status: r.status as IngestionStatus,
  params: (r.params as IngestionParams | null) ?? {},
  requestedBy: r.requested_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  jobsTotal: r.jobs_total,
  jobsDone: r.jobs_done,
  jobsFailed: r.jobs_failed,
  eventsRead: r.events_read,
  eventsAdded: r.events_added,
  pages: r.pages,
  lastError: r.last_error,
  warnings: r.warnings ?? [],
});

export interface AccountRegionTarget {
  accountId: string;
  region: string;
}

export function createIngestionRepository(db: Database) {
  return {
    async create(
      i: {
        id: string;
        source: InvocationSource;
        params: IngestionParams;
        warnings: string[];
        requestedBy: string;
        jobsTotal: number;
        now: Date;
      },
      tx: Tx,
    ): Promise<Ingestion> {
      const rows = await tx.$queryRaw<IngestionDb[]>`
        INSERT INTO invocation_ingestions (id, source, status, params, warnings, requested_by, created_at, jobs_total, finished_at)
        VALUES (${i.id}::uuid, ${i.source}::"InvocationSource",
          ${i.jobsTotal === 0 ? "succeeded" : "queued"}::"IngestionStatus", ${JSON.stringify(i.params)}::jsonb,
          ${i.warnings}::text[], ${i.requestedBy}, ${i.now}, ${i.jobsTotal}, ${i.jobsTotal === 0 ? i.now : null}::timestamptz)
        RETURNING *`;
      return toIngestion(rows[0] as IngestionDb);
    },

    async byId(id: string): Promise<Ingestion | undefined> {
      const rows = await db.client.$queryRaw<IngestionDb[]>`SELECT * FROM invocation_ingestions WHERE id = ${id}::uuid`;
      return rows[0] === undefined ? undefined : toIngestion(rows[0]);
    },

    /** The newest ingestions, newest first. */
    async latest(limit: number): Promise<Ingestion[]> {
      const rows = await db.client.$queryRaw<IngestionDb[]>`
        SELECT * FROM invocation_ingestions ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
      return rows.map(toIngestion);
    },

    async markRunning(id: string): Promise<void> {
      await db.client
        .$executeRaw`UPDATE invocation_ingestions SET status = 'running' WHERE id = ${id}::uuid AND status = 'queued'`;
    },

    /** Counts one finished job (atomically); the last one closes the ingestion. */
    async jobFinished(
      id: string,
      result: IngestionJobResult | { error: string },
      now: Date,
    ): Promise<Ingestion | undefined> {
      const ok = !("error" in result);
      const rows = await db.client.$queryRaw<IngestionDb[]>`
        UPDATE invocation_ingestions SET
          jobs_done = jobs_done + ${ok ? 1 : 0}::int,
          jobs_failed = jobs_failed + ${ok ? 0 : 1}::int,
          events_read = events_read + ${ok ? result.eventsRead : 0}::int,
          events_added = events_added + ${ok ? result.eventsAdded : 0}::int,
          pages = pages + ${ok ? result.pages : 0}::int,
          last_error = coalesce(${ok ? null : result.error.slice(0, 2048)}, last_error),
          status = CASE WHEN jobs_done + jobs_failed + 1 >= jobs_total
            THEN (CASE WHEN jobs_failed + ${ok ? 0 : 1}::int = 0 THEN 'succeeded'
                       WHEN jobs_done + ${ok ? 1 : 0}::int > 0 THEN 'partial'
                       ELSE 'failed' END)::"IngestionStatus"
            ELSE 'running'::"IngestionStatus" END,
          finished_at = CASE WHEN jobs_done + jobs_failed + 1 >= jobs_total THEN ${now}::timestamptz ELSE NULL END
        WHERE id = ${id}::uuid RETURNING *`;
      return rows[0] === undefined ? undefined : toIngestion(rows[0]);
    },

    async checkpoint(id: string): Promise<{ position: Date | null; lastKey: string | null } | undefined> {
      const row = await db.client.invocationCheckpoint.findUnique({ where: { id } });
      return row === null ? undefined : { position: row.position, lastKey: row.lastKey };
    },

    /** Moves a checkpoint forward (never back: a slower, older job must not rewind it). */
    async advance(
      c: { id: string; source: InvocationSource; accountId: string; region: string; position?: Date; lastKey?: string },
      now: Date,
    ): Promise<void> {
      await db.client.$executeRaw`
        INSERT INTO invocation_checkpoints (id, source, account_id, region, position, last_key, updated_at)
        VALUES (${c.id}, ${c.source}::"InvocationSource", ${c.accountId}, ${c.region}, ${c.position ?? null},
          ${c.lastKey ?? null}, ${now})
        ON CONFLICT (id) DO UPDATE SET
          position = GREATEST(invocation_checkpoints.position, EXCLUDED.position),
          last_key = CASE WHEN invocation_checkpoints.last_key IS NULL OR EXCLUDED.last_key > invocation_checkpoints.last_key
            THEN EXCLUDED.last_key ELSE invocation_checkpoints.last_key END,
          updated_at = EXCLUDED.updated_at`;
    },

    /**
     * Account-Regions the inventory knows for ACTIVE accounts still in the organization
     * (Regions not enabled in the account skipped), optionally limited.
     */
    async targets(filter: {
      accountIds?: readonly string[];
      regions?: readonly string[];
    }): Promise<AccountRegionTarget[]> {
      const accounts = filter.accountIds === undefined ? null : [...filter.accountIds];
      const regions = filter.regions === undefined ? null : [...filter.regions];
      return db.client.$queryRaw<AccountRegionTarget[]>`
        SELECT ar.account_id AS "accountId", ar.region
        FROM account_regions ar JOIN accounts a ON a.id = ar.account_id
        WHERE a.left_at IS NULL AND a.state = 'ACTIVE' AND ar.status <> 'disabled'
          AND (${accounts}::text[] IS NULL OR ar.account_id = ANY(${accounts}::text[]))
          AND (${regions}::text[] IS NULL OR ar.region = ANY(${regions}::text[]))
        ORDER BY 1, 2`;
    },
  };
}

export type IngestionRepository = ReturnType<typeof createIngestionRepository>;
