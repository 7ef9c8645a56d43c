// Report schedules and the due ones, claimed one at a time (FOR UPDATE SKIP LOCKED) so two
// dispatchers never start the same run.
import type { Database, Tx } from "../../db/prisma.js";
import type { Principal } from "../../kernel/principal.js";
import type { ReportSchedule, ReportScheduleInput } from "./report-schedules.types.js";
import type { ReportFormat } from "./reports.types.js";

interface ScheduleDb {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  scope_kind: string;
  scope_id: string | null;
  format: string;
  period: string;
  webhook_ids: string[] | null;
  s3_bucket: string | null;
  s3_prefix: string | null;
  s3_region: string | null;
  actor: unknown;
  created_by: string;
  created_at: Date;
  next_run_at: Date;
  last_run_at: Date | null;
}

const toSchedule = (r: ScheduleDb): ReportSchedule => ({
  id: r.id,
  name: r.name,
  cron: r.cron,
  timezone: r.timezone,
  scope:
    r.scope_kind === "organization" || r.scope_id === null
      ? { kind: "organization" }
      : { kind: r.scope_kind as "ou" | "account", id: r.scope_id },
  format: r.format as ReportFormat,
  period: r.period as ReportSchedule["period"],
  recipients: {
    webhookIds: r.webhook_ids ?? [],
    ...(r.s3_bucket
      ? {
          s3: {
            bucket: r.s3_bucket,
            prefix: r.s3_prefix ?? "",
            ...(r.s3_region ? { region: r.s3_region } : {}),
          },
        }
      : {}),
  },
  actor: r.actor as Principal,
  createdBy: r.created_by,
  createdAt: r.created_at,
  nextRunAt: r.next_run_at,
  lastRunAt: r.last_run_at,
});

export function createReportSchedulesRepository(db: Database) {
  const client = db.client;
  return {
    async list(): Promise<ReportSchedule[]> {
      return (await client.$queryRaw<ScheduleDb[]>`SELECT * FROM report_schedules ORDER BY name`).map(toSchedule);
    },

    async find(id: string, tx?: Tx): Promise<ReportSchedule | undefined> {
      const rows = await (tx ?? client).$queryRaw<ScheduleDb[]>`SELECT * FROM report_schedules WHERE id = ${id}::uuid`;
      return rows[0] === undefined ? undefined : toSchedule(rows[0]);
    },

    async nameTaken(name: string, tx: Tx): Promise<boolean> {
      const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM report_schedules WHERE name = ${name}`;
      return rows.length > 0;
    },

    async insert(
      s: ReportScheduleInput & { id: string; actor: Principal; now: Date; nextRunAt: Date },
      tx: Tx,
    ): Promise<ReportSchedule> {
      const scopeId = s.scope.kind === "organization" ? null : s.scope.id;
      const s3 = s.recipients.s3;
      const rows = await tx.$queryRaw<ScheduleDb[]>`
        INSERT INTO report_schedules (id, name, cron, timezone, scope_kind, scope_id, format, period, webhook_ids,
          s3_bucket, s3_prefix, s3_region, actor, created_by, created_at, next_run_at)
        VALUES (${s.id}::uuid, ${s.name}, ${s.cron}, ${s.timezone}, ${s.scope.kind}, ${scopeId},
          ${s.format}::"ReportFormat", ${s.period}, ${s.recipients.webhookIds}::uuid[], ${s3?.bucket ?? null},
          ${s3?.prefix ?? null}, ${s3?.region ?? null}, ${JSON.stringify(s.actor)}::jsonb, ${s.actor.id}, ${s.now},
          ${s.nextRunAt})
        RETURNING *`;
      return toSchedule(rows[0] as ScheduleDb);
    },

    async remove(id: string, tx: Tx): Promise<boolean> {
      return (await tx.$executeRaw`DELETE FROM report_schedules WHERE id = ${id}::uuid`) > 0;
    },

    /** Locks the next due schedule (skipping those another dispatcher holds) inside `tx`. */
    async claimDue(now: Date, tx: Tx): Promise<ReportSchedule | undefined> {
      const rows = await tx.$queryRaw<ScheduleDb[]>`
        SELECT * FROM report_schedules WHERE next_run_at <= ${now}
        ORDER BY next_run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`;
      return rows[0] === undefined ? undefined : toSchedule(rows[0]);
    },

    async markRun(id: string, ranAt: Date, nextRunAt: Date, tx: Tx): Promise<void> {
      await tx.$executeRaw`UPDATE report_schedules SET last_run_at = ${ranAt}, next_run_at = ${nextRunAt}
        WHERE id = ${id}::uuid`;
    },
  };
}

export type ReportSchedulesRepository = ReturnType<typeof createReportSchedulesRepository>;
