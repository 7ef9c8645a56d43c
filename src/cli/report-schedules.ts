// `bedrock-governor report schedule list | create | delete`: report schedules through the API
// (GOVERNOR_URL, GOVERNOR_API_KEY; auditor or admin). A schedule runs as the key's owner.
import { type Command, Option } from "commander";
import { REPORT_PERIODS } from "../modules/reports/report-schedules.types.js";
import { REPORT_FORMATS } from "../modules/reports/reports.types.js";
import { table } from "./api-client.js";
import { runApiCommand } from "./api-command.js";
import { parseScope } from "./reports.js";
import { UsageError } from "./run-command.js";

interface ScheduleView {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  scope: { kind: string; id?: string };
  format: string;
  period: string;
  recipients: { webhookIds: string[]; s3?: { bucket: string; prefix: string; region?: string } };
  runsAs: string;
  nextRunAt: string;
  lastRunAt: string | null;
}

interface CreateOptions {
  name: string;
  cron: string;
  timezone: string;
  scope: string;
  format: string;
  period: string;
  webhook?: string[];
  s3?: string;
  s3Region?: string;
  json?: boolean;
}

const recipients = (s: ScheduleView) =>
  [
    ...s.recipients.webhookIds.map((id) => `webhook:${id}`),
    ...(s.recipients.s3 ? [`s3://${s.recipients.s3.bucket}/${s.recipients.s3.prefix}`] : []),
  ].join(" ");

/** `s3://bucket/prefix/` → bucket and prefix. */
function parseS3(v: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(v);
  if (!m) throw new UsageError(`--s3 ${v}: expected s3://bucket/prefix/`);
  return { bucket: m[1] as string, prefix: m[2] as string };
}

export function registerReportScheduleCommands(report: Command): void {
  const schedule = report
    .command("schedule")
    .description("Report schedules through the API (GOVERNOR_URL, GOVERNOR_API_KEY; auditor or admin)");
  schedule
    .command("list")
    .description("Report schedules, by name")
    .option("--json", "print the API's answer")
    .action(
      runApiCommand(
        (o: { json?: boolean }) => o.json,
        async ({ call, print }) => {
          const { body } = await call<{ items: ScheduleView[] }>("GET", "/v1/report-schedules");
          print(body, () =>
            body.items.length === 0
              ? "no report schedules"
              : table(
                  ["ID", "NAME", "CRON", "TIMEZONE", "PERIOD", "FORMAT", "NEXT RUN", "RECIPIENTS"],
                  body.items.map((s) => [
                    s.id,
                    s.name,
                    s.cron,
                    s.timezone,
                    s.period,
                    s.format,
                    s.nextRunAt,
                    recipients(s),
                  ]),
                ),
          );
          return 0;
        },
      ),
    );
  schedule
    .command("create")
    .description("Schedule a report delivered to webhooks and/or an S3 bucket; it runs as you (audited)")
    .requiredOption("--name <name>", "a unique name")
    .requiredOption("--cron <expr>", 'a 5-field cron expression, e.g. "0 6 1 * *"')
    .option("--timezone <tz>", "IANA time zone of the cron and the period", "UTC")
    .option("--scope <scope>", "organization, an OU id (ou-…, r-…) or an account id", "organization")
    .addOption(new Option("--format <format>", "report format").choices([...REPORT_FORMATS]).default("pdf"))
    .addOption(
      new Option("--period <period>", "the period each run covers")
        .choices([...REPORT_PERIODS])
        .default("previous_month"),
    )
    .option("--webhook <id...>", "registered webhook ids (GET /v1/webhooks) told when a report is ready")
    .option("--s3 <url>", "write each report to s3://bucket/prefix/")
    .option("--s3-region <region>", "the bucket's Region (default: AWS_HOME_REGION)")
    .option("--json", "print the API's answer")
    .action(
      runApiCommand(
        (o: CreateOptions) => o.json,
        async ({ call, print }, o) => {
          const s3 = o.s3 ? { ...parseS3(o.s3), ...(o.s3Region ? { region: o.s3Region } : {}) } : undefined;
          const { body } = await call<ScheduleView>("POST", "/v1/report-schedules", {
            body: {
              name: o.name,
              cron: o.cron,
              timezone: o.timezone,
              scope: parseScope(o.scope),
              format: o.format,
              period: o.period,
              recipients: { webhookIds: o.webhook ?? [], ...(s3 ? { s3 } : {}) },
            },
          });
          print(body, () => `report schedule ${body.id} ${body.name}: next run ${body.nextRunAt}`);
          return 0;
        },
      ),
    );
  schedule
    .command("delete <id>")
    .description("Delete a report schedule (its reports stay; audited)")
    .action(
      runApiCommand(
        (_id: string) => false,
        async ({ call, print }, id: string) => {
          await call("DELETE", `/v1/report-schedules/${encodeURIComponent(id)}`);
          print(null, () => `deleted report schedule ${id}`);
          return 0;
        },
      ),
    );
}
