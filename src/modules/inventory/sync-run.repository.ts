// Sync runs and their account-Region jobs: progress counts and errors grouped by gate.
import { type Database, lockKey, type PrismaClient, type Tx } from "../../db/prisma.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { JobOutcome, SyncRunView, SyncScope } from "./inventory.types.js";

type RunRow = Awaited<ReturnType<PrismaClient["syncRun"]["findUniqueOrThrow"]>>;

function finishJobsStatement(outcome: JobOutcome, jobId: string, at: Date): Prisma.Sql {
  return Prisma.sql`
    UPDATE sync_run_jobs SET status = ${outcome.ok ? "succeeded" : "failed"}::"SyncJobStatus",
      gate = ${outcome.gate ?? null}, error_code = ${outcome.errorCode ?? null},
      error_message = ${outcome.errorMessage?.slice(0, 2000) ?? null}, finished_at = ${at}
    WHERE account_id = ${outcome.accountId} AND region = ${outcome.region} AND status = 'pending'
      AND claimed_by = ${jobId}::uuid`;
}

export function createSyncRunRepository(db: Database) {
  const { client } = db;
  async function view(run: RunRow): Promise<SyncRunView> {
    const [counts, gates] = await Promise.all([
      client.$queryRaw<Array<{ status: string; n: number }>>`
        SELECT status::text AS status, count(*)::int AS n FROM sync_run_jobs WHERE run_id = ${run.id}::uuid GROUP BY status`,
      client.$queryRaw<
        Array<{ gate: string; n: number; sample: Array<{ accountId: string; region: string; message: string | null }> }>
      >`
        SELECT coalesce(gate, 'unknown') AS gate, count(*)::int AS n,
          to_jsonb((array_agg(jsonb_build_object('accountId', account_id, 'region', region, 'message', error_message)
             ORDER BY account_id, region))[1:4]) AS sample
        FROM sync_run_jobs WHERE run_id = ${run.id}::uuid AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1`,
    ]);
    const by = Object.fromEntries(counts.map((c) => [c.status, c.n])) as Record<string, number>;
    const pending = by.pending ?? 0;
    const succeeded = by.succeeded ?? 0;
    const failed = by.failed ?? 0;
    return {
      id: run.id,
      scope: run.scope,
      scopeId: run.scopeId,
      region: run.region,
      status: run.status,
      trigger: run.trigger,
      requestedBy: run.requestedBy,
      createdAt: run.createdAt.toISOString(),
      startedAt: run.startedAt?.toISOString() ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
      error: run.error,
      errorGate: run.errorGate,
      progress: { total: pending + succeeded + failed, pending, succeeded, failed },
      errorsByGate: gates.map((g) => ({ gate: g.gate, count: g.n, sample: g.sample ?? [] })),
    };
  }

  return {
    async create(
      run: { id: string; scope: SyncScope; scopeId?: string; region?: string; trigger: string; requestedBy: string },
      tx?: Tx,
    ) {
      await (tx ?? client).syncRun.create({
        data: {
          id: run.id,
          scope: run.scope,
          scopeId: run.scopeId ?? null,
          region: run.region ?? null,
          trigger: run.trigger,
          requestedBy: run.requestedBy,
        },
      });
    },

    /** Holds the first-sync lock until `tx` ends, so processes starting together start one first run. */
    lockInitialSync: (tx: Tx) => lockKey("inventory:initial-sync", tx),

    /** How many runs were ever requested. */
    async count(tx?: Tx): Promise<number> {
      return (tx ?? client).syncRun.count();
    },

    async find(id: string): Promise<SyncRunView | undefined> {
      const run = await client.syncRun.findUnique({ where: { id } });
      return run ? view(run) : undefined;
    },

    async raw(id: string) {
      return client.syncRun.findUnique({ where: { id } });
    },

    /** Newest first; keyset on (createdAt, id). Reads `limit + 1` rows. */
    async list(limit: number, after?: { createdAt: Date; id: string }): Promise<SyncRunView[]> {
      const runs = await client.syncRun.findMany({
        where: after
          ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
          : undefined,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      return Promise.all(runs.map(view));
    },

    async markRunning(id: string, at: Date) {
      await client.syncRun.updateMany({ where: { id, status: "queued" }, data: { status: "running", startedAt: at } });
    },

    async markFailed(id: string, at: Date, error: string, gate: string | null) {
      await client.syncRun.update({
        where: { id },
        data: { status: "failed", finishedAt: at, error: error.slice(0, 2000), errorGate: gate },
      });
    },

    /** Registers the run's account-Regions (set-based; a retried discovery adds nothing twice). */
    async addJobs(runId: string, pairs: ReadonlyArray<{ accountId: string; region: string; accountLevel: boolean }>) {
      // All at once (see closeFinished): a run with only part of its jobs registered, all of them
      // done, would otherwise look finished.
      await client.$transaction(async (tx) => {
        for (let i = 0; i < pairs.length; i += 5000) {
          const chunk = pairs.slice(i, i + 5000);
          await tx.$executeRaw`
            INSERT INTO sync_run_jobs (run_id, account_id, region, account_level)
            SELECT ${runId}::uuid, p."accountId", p.region, p."accountLevel"
            FROM jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb) AS p("accountId" text, region text, "accountLevel" boolean)
            ON CONFLICT DO NOTHING`;
        }
      });
    },

    /**
     * The queue job `jobId` starts reading the account-Region: it takes over every run waiting on
     * it now (the queue runs one job per account-Region at a time, so an earlier claimer is gone or
     * was this job's previous attempt). Runs requested after this moment stay unclaimed for the
     * next job, so a read begun before a change is never taken as that change's verification.
     * `accountLevel`: one of the runs wants the account-level facts read here.
     */
    async claimJobs(
      accountId: string,
      region: string,
      jobId: string,
    ): Promise<{ runs: number; accountLevel: boolean }> {
      const [row] = await client.$queryRaw<Array<{ runs: number; account_level: boolean | null }>>`
        WITH claimed AS (
          UPDATE sync_run_jobs SET claimed_by = ${jobId}::uuid
          WHERE account_id = ${accountId} AND region = ${region} AND status = 'pending'
          RETURNING account_level)
        SELECT count(*)::int AS runs, bool_or(account_level) AS account_level FROM claimed`;
      return { runs: row?.runs ?? 0, accountLevel: row?.account_level ?? false };
    },

    /** Completes the runs the job claimed for this account-Region with its result. */
    async finishJobs(outcome: JobOutcome, jobId: string, at: Date, tx?: Tx): Promise<void> {
      await (tx ?? client).$executeRaw(finishJobsStatement(outcome, jobId, at));
    },

    /** `finishJobs` as a statement for `writeTogether`. */
    statements: { finishJobs: finishJobsStatement },

    /**
     * Closes the runs with no pending job left; returns each with the status it closed with.
     * Without `runId` (a job that ended one of its account-Regions) only runs with registered jobs
     * are closed: a run is `running` from the start of its discovery, before its account-Regions
     * are registered, and had a job of another run closed it then, the re-sync that verifies a
     * change would read `succeeded` before its own read began (seen in CI on a managed-entitlement
     * request). The discovery closes its own run after registering (`runId`), jobs or none.
     */
    async closeFinished(at: Date, runId?: string): Promise<Array<{ id: string; status: "succeeded" | "partial" }>> {
      const closed = await client.$queryRaw<Array<{ id: string; status: "succeeded" | "partial" }>>`
        UPDATE sync_runs r SET finished_at = ${at},
          status = CASE WHEN EXISTS (SELECT 1 FROM sync_run_jobs j WHERE j.run_id = r.id AND j.status = 'failed')
                        THEN 'partial'::"SyncRunStatus" ELSE 'succeeded'::"SyncRunStatus" END
        WHERE r.status = 'running' AND (${runId ?? null}::uuid IS NULL OR r.id = ${runId ?? null}::uuid)
          AND NOT EXISTS (SELECT 1 FROM sync_run_jobs j WHERE j.run_id = r.id AND j.status = 'pending')
          AND (${runId ?? null}::uuid IS NOT NULL OR EXISTS (SELECT 1 FROM sync_run_jobs j WHERE j.run_id = r.id))
        RETURNING r.id::text AS id, r.status::text AS status`;
      return closed;
    },
  };
}

export type SyncRunRepository = ReturnType<typeof createSyncRunRepository>;
