// A doctor report: the verdict, each gate ✔/✘/? with its evidence and fix, every other path's
// verdict, the catalog's word, and what a pasted error says.

import { Alert, Badge, Card, Group, List, Stack, Table, Text, Title } from "@mantine/core";
import { CodeBlock } from "../../components/code-block";
import { Time } from "../../components/time";
import type { Diagnosis, DoctorReport } from "./doctor-queries";

const MARK = { pass: "✔", fail: "✘", unknown: "?" } as const;
const MARK_COLOR = { pass: "green.9", fail: "red.9", unknown: "gray.7" } as const;
const VERDICT_COLOR = { ok: "green.8", blocked: "red.8", inconclusive: "gray.8" } as const;

export const gateName = (gate: string) => {
  const name = gate.replace(/_/g, " ");
  return gate === "iam" ? "IAM" : gate === "org_policy" ? "organization policy" : name;
};

export function DiagnosisView({
  diagnosis,
  title,
  children,
}: {
  diagnosis: Diagnosis;
  title: string;
  children?: React.ReactNode;
}) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h4" mb="xs">
        {title}
      </Title>
      <Text size="sm">
        Likely gate: <strong>{diagnosis.likelyGate ? gateName(diagnosis.likelyGate) : diagnosis.gate}</strong>
        {diagnosis.code && <> ({diagnosis.code})</>}, confidence {diagnosis.confidence}
      </Text>
      <Text size="sm">{diagnosis.explanation}</Text>
      <Text size="sm">
        <strong>Fix:</strong> {diagnosis.fix}
      </Text>
      {children}
    </Card>
  );
}

export function DoctorReportView({ report }: { report: DoctorReport }) {
  return (
    <Stack gap="md" data-testid="doctor-report">
      <Alert
        color={VERDICT_COLOR[report.verdict]}
        variant="filled"
        title={
          report.verdict === "ok"
            ? "Usable: every gate passes"
            : report.verdict === "blocked"
              ? `Blocked at ${gateName(report.blockingGate ?? "?")}`
              : "Inconclusive: no gate fails, some could not be checked"
        }
      >
        {report.model} in account {report.accountId}, {report.region}
        {report.principalArn && <> for {report.principalArn}</>}; checked <Time value={report.checkedAt} />
      </Alert>
      <Card withBorder component="section" aria-label="Gates">
        <Title order={2} size="h4" mb="xs">
          Gates
        </Title>
        <Stack gap="xs">
          {report.gates.map((g) => (
            <div key={g.gate} data-testid={`gate-${g.gate}`} data-status={g.status}>
              <Group gap="xs" wrap="nowrap" align="flex-start">
                <Text fw={700} c={MARK_COLOR[g.status]} aria-label={g.status} w={16}>
                  {MARK[g.status]}
                </Text>
                <div>
                  <Text size="sm">
                    <strong>{gateName(g.gate)}</strong>: {g.summary}
                  </Text>
                  {g.fix && (
                    <Text size="sm">
                      <strong>Fix:</strong> {g.fix}
                    </Text>
                  )}
                  {Object.keys(g.evidence).length > 0 && (
                    <details>
                      <summary>
                        <Text span size="xs">
                          Evidence
                        </Text>
                      </summary>
                      <CodeBlock label={`Evidence for ${gateName(g.gate)}`}>
                        {JSON.stringify(g.evidence, null, 2)}
                      </CodeBlock>
                    </details>
                  )}
                </div>
              </Group>
            </div>
          ))}
        </Stack>
      </Card>
      {report.paths.length > 0 && (
        <Card withBorder component="section" aria-label="Other paths">
          <Title order={2} size="h4" mb="xs">
            Every path
          </Title>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
          <section className="table-scroll" tabIndex={0} aria-label="Paths, table">
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Path</Table.Th>
                  <Table.Th>Verdict</Table.Th>
                  <Table.Th>Runs in</Table.Th>
                  <Table.Th>Why</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.paths.map((p) => (
                  <Table.Tr key={p.path}>
                    <Table.Td>
                      <code>{p.path}</code>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={p.status === "usable" ? "green.8" : p.status === "blocked" ? "red.8" : "gray.8"}>
                        {p.status}
                        {p.gate ? ` at ${gateName(p.gate)}` : ""}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{p.destinations.join(", ")}</Table.Td>
                    <Table.Td>{p.reason}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </section>
        </Card>
      )}
      <Card withBorder component="section" aria-label="Governance">
        <Title order={2} size="h4" mb="xs">
          Governance
        </Title>
        <Text size="sm">{report.governance.summary}</Text>
        {report.governance.entryIds.length > 0 && (
          <Text size="sm">Catalog entries: {report.governance.entryIds.join(", ")}</Text>
        )}
        {report.governance.requests && report.governance.requests.length > 0 && (
          <List size="sm">
            {report.governance.requests.map((r) => (
              <List.Item key={r.id}>
                Request {r.id.slice(0, 8)}: {r.status}
              </List.Item>
            ))}
          </List>
        )}
      </Card>
      {report.error && (
        <DiagnosisView diagnosis={report.error} title="The pasted error">
          <Text size="sm" mt="xs">
            Against the live result: <strong>{report.error.live.replace("_", " ")}</strong>. {report.error.liveNote}
          </Text>
        </DiagnosisView>
      )}
    </Stack>
  );
}
