// Report schedules (admin or auditor): created and deleted through the API, CLI and console, each
// audited; a dispatcher job starts the due ones, each run requesting a report as the schedule's
// actor for the period just ended in the schedule's time zone.
import { randomUUID } from "node:crypto";
import cronParser from "cron-parser";
import { DateTime, IANAZone } from "luxon";
import type { Logger } from "pino";
import type { Database } from "../../db/prisma.js";
import { ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from "../../kernel/errors.js";
import { type CallContext, hasRole, type Principal } from "../../kernel/principal.js";
import type { Clock } from "../../lib/clock.js";
import type { AuditService } from "../audit/audit.service.js";
import type { ReportSchedulesRepository } from "./report-schedules.repository.js";
import type { ReportPeriod, ReportSchedule, ReportScheduleInput } from "./report-schedules.types.js";
import type { ReportsService } from "./reports.service.js";
import type { Report, ReportScope } from "./reports.types.js";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The next time `cron` fires after `after`, in `timezone`; throws on a bad expression. */
export function nextRun(cron: string, timezone: string, after: Date): Date {
  return cronParser.parseExpression(cron, { tz: timezone, currentDate: after }).next().toDate();
}

/** The period that ended at the start of `at`'s day, ISO week or month, in `timezone`. */
export function periodEndingBefore(period: ReportPeriod, timezone: string, at: Date): { from: Date; to: Date } {
  const unit = ({ previous_day: "day", previous_week: "week", previous_month: "month" } as const)[period];
  const end = DateTime.fromJSDate(at, { zone: timezone }).startOf(unit);
  return { from: end.minus({ [`${unit}s`]: 1 }).toJSDate(), to: end.toJSDate() };
}

/** The principal without anything but who it is (stored on the schedule; never a credential). */
const snapshot = (p: Principal): Principal => ({
  kind: p.kind,
  id: p.id,
  person: p.person === undefined ? null : p.person,
  name: p.name,
  roles: [...p.roles],
  groups: [...p.groups],
});

const summary = (s: ReportScheduleInput) => ({
  name: s.name,
  cron: s.cron,
  timezone: s.timezone,
  scope: s.scope,
  format: s.format,
  period: s.period,
  webhookIds: s.recipients.webhookIds,
  ...(s.recipients.s3 ? { s3: s.recipients.s3 } : {}),
});

export function createReportSchedulesService(deps: {
  db: Database;
  repo: ReportSchedulesRepository;
  reports: Pick<ReportsService, "request">;
  audit: AuditService;
  clock: Clock;
  log: Logger;
  scopeExists(scope: ReportScope): Promise<boolean>;
  webhookExists(id: string): Promise<boolean>;
}) {
  const { db, repo, audit, clock } = deps;
  const manager = (ctx: CallContext) => {
    if (!hasRole(ctx.principal, "auditor")) throw new ForbiddenError("report schedules need the auditor or admin role");
  };

  function validate(s: ReportScheduleInput) {
    const errors: Array<{ field: string; message: string }> = [];
    if (!IANAZone.isValidZone(s.timezone)) errors.push({ field: "body.timezone", message: "not an IANA time zone" });
    if (!/^(\S+\s+){4}\S+$/.test(s.cron.trim()))
      errors.push({ field: "body.cron", message: "expected 5 fields: minute hour day-of-month month day-of-week" });
    else
      try {
        nextRun(s.cron, IANAZone.isValidZone(s.timezone) ? s.timezone : "UTC", clock.now());
      } catch (err) {
        errors.push({ field: "body.cron", message: err instanceof Error ? err.message : "not a cron expression" });
      }
    const s3 = s.recipients.s3;
    if (s3 && !BUCKET.test(s3.bucket))
      errors.push({ field: "body.recipients.s3.bucket", message: "not an S3 bucket name" });
    if (s3 && (s3.prefix.startsWith("/") || s3.prefix.length > 512))
      errors.push({ field: "body.recipients.s3.prefix", message: "at most 512 characters, not starting with /" });
    if (s.recipients.webhookIds.length === 0 && !s3)
      errors.push({ field: "body.recipients", message: "name at least one webhook or an S3 bucket" });
    if (errors.length > 0)
      throw new ValidationError(`invalid report schedule: ${errors[0]?.field} ${errors[0]?.message}`, errors);
  }

  async function checkReferences(s: ReportScheduleInput) {
    for (const [i, id] of s.recipients.webhookIds.entries())
      if (!(await deps.webhookExists(id)))
        throw new UnprocessableError(
          `webhook ${id} does not exist`,
          [{ field: `body.recipients.webhookIds[${i}]`, message: "unknown webhook" }],
          "WEBHOOK_UNKNOWN",
        );
    if (!(await deps.scopeExists(s.scope)))
      throw new UnprocessableError(
        `${s.scope.kind} ${s.scope.kind === "organization" ? "" : s.scope.id} is not in the inventory`,
        [{ field: "body.scope.id", message: "unknown OU or account" }],
        "SCOPE_UNKNOWN",
      );
  }

  /** Requests the schedule's report as its actor (audited as report.request and report_schedule.run). */
  async function run(schedule: ReportSchedule, at: Date): Promise<Report> {
    const ctx: CallContext = { principal: schedule.actor, requestId: `schedule:${schedule.id}` };
    const { from, to } = periodEndingBefore(schedule.period, schedule.timezone, at);
    const report = await deps.reports.request(ctx, {
      from,
      to,
      scope: schedule.scope,
      format: schedule.format,
      options: {},
      scheduleId: schedule.id,
    });
    await db.transaction((tx) =>
      audit.record(
        ctx,
        {
          action: "report_schedule.run",
          targetType: "report_schedule",
          targetId: schedule.id,
          after: { name: schedule.name, reportId: report.id, from: from.toISOString(), to: to.toISOString() },
        },
        tx,
      ),
    );
    return report;
  }

  return {
    async list(ctx: CallContext): Promise<ReportSchedule[]> {
      manager(ctx);
      return repo.list();
    },

    async get(ctx: CallContext, id: string): Promise<ReportSchedule> {
      manager(ctx);
      const found = /^[0-9a-f-]{36}$/i.test(id) ? await repo.find(id) : undefined;
      if (!found) throw new NotFoundError(`report schedule ${id} not found`);
      return found;
    },

    async create(ctx: CallContext, input: ReportScheduleInput): Promise<ReportSchedule> {
      manager(ctx);
      validate(input);
      await checkReferences(input);
      const id = randomUUID();
      const now = clock.now();
      return db.transaction(async (tx) => {
        if (await repo.nameTaken(input.name, tx))
          throw new UnprocessableError(
            `a report schedule named ${input.name} exists`,
            [{ field: "body.name", message: "already used" }],
            "NAME_TAKEN",
          );
        const created = await repo.insert(
          { ...input, id, actor: snapshot(ctx.principal), now, nextRunAt: nextRun(input.cron, input.timezone, now) },
          tx,
        );
        await audit.record(
          ctx,
          { action: "report_schedule.create", targetType: "report_schedule", targetId: id, after: summary(input) },
          tx,
        );
        return created;
      });
    },

    async remove(ctx: CallContext, id: string): Promise<void> {
      const found = await this.get(ctx, id);
      await db.transaction(async (tx) => {
        if (!(await repo.remove(id, tx))) throw new NotFoundError(`report schedule ${id} not found`);
        await audit.record(
          ctx,
          { action: "report_schedule.delete", targetType: "report_schedule", targetId: id, before: summary(found) },
          tx,
        );
      });
    },

    /** Runs a schedule now (for the period ended before now), as its actor; the caller is audited too. */
    async runNow(ctx: CallContext, id: string): Promise<Report> {
      const schedule = await this.get(ctx, id);
      return run(schedule, clock.now());
    },

    /** Starts every due schedule once (the dispatcher job); returns how many ran. */
    async runDue(): Promise<number> {
      let ran = 0;
      for (;;) {
        const now = clock.now();
        const due = await db.transaction(async (tx) => {
          const s = await repo.claimDue(now, tx);
          if (s) await repo.markRun(s.id, now, nextRun(s.cron, s.timezone, now), tx);
          return s;
        });
        if (!due) return ran;
        try {
          await run(due, due.nextRunAt);
          ran++;
        } catch (err) {
          // The next occurrence is already set: one failed run does not stop the schedule.
          deps.log.warn({ err, scheduleId: due.id }, "a scheduled report could not be requested");
        }
      }
    },
  };
}

export type ReportSchedulesService = ReturnType<typeof createReportSchedulesService>;
