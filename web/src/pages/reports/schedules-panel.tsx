// Report schedules: a report for the period just ended, on a cron schedule, sent to webhooks
// and/or written to an S3 bucket. The API validates (cron, time zone, bucket) and its problem
// message is shown as it answered.
import { Alert, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { QueryState } from "../../components/query-state";
import { Time } from "../../components/time";
import {
  type ReportSchedule,
  type ReportScheduleInput,
  useCreateReportSchedule,
  useDeleteReportSchedule,
  useReportSchedules,
} from "./report-schedules-queries";

const PERIODS = [
  { value: "previous_day", label: "Previous day" },
  { value: "previous_week", label: "Previous week" },
  { value: "previous_month", label: "Previous month" },
];
const FORMATS = ["pdf", "html", "csv", "json"].map((f) => ({ value: f, label: f.toUpperCase() }));

const recipients = (s: ReportSchedule) =>
  [
    ...s.recipients.webhookIds.map((id) => `webhook ${id.slice(0, 8)}`),
    ...(s.recipients.s3 ? [`s3://${s.recipients.s3.bucket}/${s.recipients.s3.prefix}`] : []),
  ].join(", ");

function CreateSchedule() {
  const create = useCreateReportSchedule();
  const [name, setName] = useState("");
  const [cron, setCron] = useState("0 6 1 * *");
  const [timezone, setTimezone] = useState("UTC");
  const [period, setPeriod] = useState<ReportScheduleInput["period"]>("previous_month");
  const [format, setFormat] = useState<ReportScheduleInput["format"]>("pdf");
  const [webhookId, setWebhookId] = useState("");
  const [s3, setS3] = useState("");
  const submit = () => {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(s3.trim());
    create.mutate({
      name,
      cron,
      timezone,
      period,
      format,
      scope: { kind: "organization" },
      recipients: {
        webhookIds: webhookId.trim() ? [webhookId.trim()] : [],
        ...(m ? { s3: { bucket: m[1] as string, prefix: m[2] ?? "" } } : {}),
      },
    });
  };
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} w={200} />
        <TextInput
          label="Cron"
          description="minute hour day month weekday"
          value={cron}
          onChange={(e) => setCron(e.currentTarget.value)}
          w={160}
        />
        <TextInput label="Time zone" value={timezone} onChange={(e) => setTimezone(e.currentTarget.value)} w={160} />
        <Select
          label="Period"
          data={PERIODS}
          value={period}
          onChange={(v) => setPeriod((v ?? "previous_month") as ReportScheduleInput["period"])}
          allowDeselect={false}
          w={170}
        />
        <Select
          label="Format"
          data={FORMATS}
          value={format}
          onChange={(v) => setFormat((v ?? "pdf") as ReportScheduleInput["format"])}
          allowDeselect={false}
          w={110}
        />
      </Group>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          label="Webhook id"
          description="a registered webhook"
          value={webhookId}
          onChange={(e) => setWebhookId(e.currentTarget.value)}
          w={320}
        />
        <TextInput
          label="S3 destination"
          description="s3://bucket/prefix/"
          value={s3}
          onChange={(e) => setS3(e.currentTarget.value)}
          w={280}
        />
        <Button loading={create.isPending} onClick={submit} disabled={name.trim() === ""}>
          Create schedule
        </Button>
      </Group>
      {create.error && (
        <Alert color="red" title="The schedule was not created">
          {create.error.message}
        </Alert>
      )}
    </Stack>
  );
}

export function ReportSchedulesPanel() {
  const schedules = useReportSchedules();
  const remove = useDeleteReportSchedule();
  return (
    <Card withBorder component="section" aria-label="Report schedules">
      <Title order={2} size="h4" mb="xs">
        Report schedules
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Each run renders the report for the period just ended as the schedule's creator, then tells its webhooks and
        writes it to its S3 bucket. Runs and deliveries are in the audit log.
      </Text>
      <Stack gap="sm">
        <CreateSchedule />
        {remove.error && (
          <Alert color="red" title="The schedule was not deleted">
            {remove.error.message}
          </Alert>
        )}
        <QueryState query={schedules}>
          {(page) =>
            page.items.length === 0 ? (
              <Text c="dimmed">No report is scheduled.</Text>
            ) : (
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
              <section className="table-scroll" tabIndex={0} aria-label="Report schedules, table">
                <Table striped miw={820}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>Cron</Table.Th>
                      <Table.Th>Period</Table.Th>
                      <Table.Th>Format</Table.Th>
                      <Table.Th>Recipients</Table.Th>
                      <Table.Th>Runs as</Table.Th>
                      <Table.Th>Next run</Table.Th>
                      <Table.Th>
                        <span className="visually-hidden">Actions</span>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {page.items.map((s) => (
                      <Table.Tr key={s.id} data-testid="report-schedule-row">
                        <Table.Td>{s.name}</Table.Td>
                        <Table.Td>
                          <code>{s.cron}</code> {s.timezone}
                        </Table.Td>
                        <Table.Td>{s.period.replace("_", " ")}</Table.Td>
                        <Table.Td>{s.format.toUpperCase()}</Table.Td>
                        <Table.Td>{recipients(s)}</Table.Td>
                        <Table.Td>{s.runsAs}</Table.Td>
                        <Table.Td>
                          <Time value={s.nextRunAt} />
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            aria-label={`Delete schedule ${s.name}`}
                            loading={remove.isPending && remove.variables === s.id}
                            onClick={() => remove.mutate(s.id)}
                          >
                            Delete
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </section>
            )
          }
        </QueryState>
      </Stack>
    </Card>
  );
}
