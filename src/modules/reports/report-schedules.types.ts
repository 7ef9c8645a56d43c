// Report schedules: a report produced on a cron schedule for the period just ended, delivered to
// webhooks (registered destinations) and/or an S3 bucket.
import type { Principal } from "../../kernel/principal.js";
import type { ReportFormat, ReportScope } from "./reports.types.js";

export const REPORT_PERIODS = ["previous_day", "previous_week", "previous_month"] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

export interface ReportRecipients {
  /** Registered webhooks (GET /v1/webhooks) told when a report is ready (event report.ready). */
  webhookIds: string[];
  /** An S3 bucket the report is written to (PutObject), under `prefix`. */
  s3?: { bucket: string; prefix: string; region?: string };
}

export interface ReportScheduleInput {
  name: string;
  cron: string;
  timezone: string;
  scope: ReportScope;
  format: ReportFormat;
  period: ReportPeriod;
  recipients: ReportRecipients;
}

export interface ReportSchedule extends ReportScheduleInput {
  id: string;
  /** The principal each run acts as (who created the schedule). */
  actor: Principal;
  createdBy: string;
  createdAt: Date;
  nextRunAt: Date;
  lastRunAt: Date | null;
}
