// Reports (auditor, admin): generate a compliance report for a period and scope, follow its
// progress, download it from the history; start an invocation ingestion and follow it.
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Progress,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { QueryState } from "../../components/query-state";
import { ScopeFields, type ScopeKind, scopeOf, scopeText } from "../../components/scope-fields";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { IngestionsPanel } from "./ingestions-panel";
import { type Report, type ReportRequest, useCreateReport, useDownloadReport, useReports } from "./reports-queries";
import { ReportSchedulesPanel } from "./schedules-panel";

const FORMATS: Array<{ value: ReportRequest["format"]; label: string }> = [
  { value: "pdf", label: "PDF" },
  { value: "html", label: "HTML" },
  { value: "csv", label: "CSV (ZIP)" },
  { value: "json", label: "JSON" },
  { value: "evidence", label: "Evidence package" },
];
const formatLabel = (f: ReportRequest["format"]) => FORMATS.find((x) => x.value === f)?.label ?? f.toUpperCase();
const day = (d: Date) => d.toISOString().slice(0, 10);

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function GenerateReport() {
  const now = new Date();
  const [from, setFrom] = useState(day(new Date(now.getTime() - 30 * 86_400_000)));
  const [to, setTo] = useState(day(new Date(now.getTime() + 86_400_000)));
  const [scope, setScope] = useState<{ kind: ScopeKind; id: string }>({ kind: "organization", id: "" });
  const [format, setFormat] = useState<ReportRequest["format"]>("pdf");
  const [includeEvents, setIncludeEvents] = useState(false);
  const create = useCreateReport();
  const dataFormat = format === "json" || format === "csv" || format === "evidence";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({
      from: `${from}T00:00:00.000Z`,
      to: `${to}T00:00:00.000Z`,
      scope: scopeOf(scope.kind, scope.id),
      format,
      ...(dataFormat && includeEvents ? { includeEvents: true } : {}),
    });
  };

  return (
    <Card withBorder component="section" aria-label="Generate a report">
      <Title order={2} size="h4" mb="sm">
        Generate a compliance report
      </Title>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Group gap="sm" align="flex-end" wrap="wrap">
            <TextInput
              type="date"
              label="From (UTC, inclusive)"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              required
            />
            <TextInput
              type="date"
              label="To (UTC, exclusive)"
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              required
            />
          </Group>
          <ScopeFields kind={scope.kind} id={scope.id} onChange={(kind, id) => setScope({ kind, id })} />
          <div>
            <Text size="sm" fw={500} id="report-format-label" mb={4}>
              Format
            </Text>
            <SegmentedControl
              aria-labelledby="report-format-label"
              data={FORMATS}
              value={format}
              onChange={(v) => setFormat(v as ReportRequest["format"])}
            />
          </div>
          {dataFormat && (
            <Checkbox
              label="List every invocation of the period"
              checked={includeEvents}
              onChange={(e) => setIncludeEvents(e.currentTarget.checked)}
            />
          )}
          {create.error && (
            <Alert color="red" title="The report was not requested">
              {create.error.message}
            </Alert>
          )}
          {create.data && (
            <Text size="sm" role="status">
              Report requested ({formatLabel(create.data.format)}, {scopeText(create.data.scope)}); follow it in the
              history below.
            </Text>
          )}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Generate report
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function ReportRow({ report }: { report: Report }) {
  const download = useDownloadReport();
  return (
    <Table.Tr data-testid="report-row">
      <Table.Td>
        <Time value={report.createdAt} />
      </Table.Td>
      <Table.Td>
        {report.from.slice(0, 10)} – {report.to.slice(0, 10)}
      </Table.Td>
      <Table.Td>{scopeText(report.scope)}</Table.Td>
      <Table.Td>{formatLabel(report.format)}</Table.Td>
      <Table.Td>
        {report.status === "queued" || report.status === "running" ? (
          <Stack gap={2} miw={120}>
            <StatusBadge value={report.status} />
            <Progress value={report.progress} size="sm" aria-label={`Progress ${report.progress}%`} />
            <Text size="xs" c="dimmed">
              {report.stage} ({report.progress}%)
            </Text>
          </Stack>
        ) : (
          <StatusBadge value={report.status} />
        )}
        {report.error && (
          <Text size="xs" c="red.9">
            {report.error}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{report.status === "ready" ? size(report.sizeBytes) : "—"}</Table.Td>
      <Table.Td>
        {report.status === "ready" && (
          <Button
            size="xs"
            variant="light"
            loading={download.isPending}
            onClick={() => download.mutate(report)}
            aria-label={`Download ${formatLabel(report.format)} report of ${report.from.slice(0, 10)}`}
          >
            Download
          </Button>
        )}
        {download.error && (
          <Text size="xs" c="red.9">
            {download.error.message}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function ReportHistory() {
  const reports = useReports();
  return (
    <Card withBorder component="section" aria-label="Report history">
      <Title order={2} size="h4" mb="sm">
        Report history
      </Title>
      <QueryState query={reports}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">No report has been requested yet.</Text>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
            <section className="table-scroll" tabIndex={0} aria-label="Reports, table">
              <Table striped miw={760}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Requested</Table.Th>
                    <Table.Th>Period</Table.Th>
                    <Table.Th>Scope</Table.Th>
                    <Table.Th>Format</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Size</Table.Th>
                    <Table.Th>File</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((r) => (
                    <ReportRow key={r.id} report={r} />
                  ))}
                </Table.Tbody>
              </Table>
            </section>
          )
        }
      </QueryState>
    </Card>
  );
}

export function ReportsPage() {
  return (
    <Stack>
      <Title order={1} size="h2">
        Reports
      </Title>
      <GenerateReport />
      <ReportHistory />
      <ReportSchedulesPanel />
      <IngestionsPanel />
    </Stack>
  );
}
