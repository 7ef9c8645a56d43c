// Invocation evidence: start an ingestion from CloudTrail (auditors may) and follow the latest ones.
import { Alert, Button, Card, Group, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { type IngestionRequest, useIngestions, useStartIngestion } from "./reports-queries";

export function IngestionsPanel() {
  const ingestions = useIngestions();
  const start = useStartIngestion();
  const [source, setSource] = useState<IngestionRequest["source"]>("lookup");
  return (
    <Card withBorder component="section" aria-label="Invocation ingestions">
      <Title order={2} size="h4" mb="xs">
        Invocation ingestions
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Reads Bedrock invocations from CloudTrail for every account-Region of the inventory; reports cover what was
        ingested.
      </Text>
      <Stack gap="sm">
        <Group align="flex-end" gap="sm">
          <Select
            label="Source"
            data={[
              { value: "lookup", label: "CloudTrail LookupEvents" },
              { value: "s3", label: "Organization trail in S3" },
            ]}
            value={source}
            onChange={(v) => setSource((v ?? "lookup") as IngestionRequest["source"])}
            allowDeselect={false}
            w={260}
          />
          <Button variant="light" loading={start.isPending} onClick={() => start.mutate({ source })}>
            Start ingestion
          </Button>
        </Group>
        {start.error && (
          <Alert color="red" title="The ingestion was not started">
            {start.error.message}
          </Alert>
        )}
        <QueryState query={ingestions}>
          {(page) =>
            page.items.length === 0 ? (
              <Text c="dimmed">No invocation ingestion has run yet.</Text>
            ) : (
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
              <section className="table-scroll" tabIndex={0} aria-label="Ingestions, table">
                <Table striped miw={720}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Started</Table.Th>
                      <Table.Th>Source</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th>Jobs</Table.Th>
                      <Table.Th>Events read / added</Table.Th>
                      <Table.Th>Finished</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {page.items.map((i) => (
                      <Table.Tr key={i.id} data-testid="ingestion-row">
                        <Table.Td>
                          <Time value={i.createdAt} />
                        </Table.Td>
                        <Table.Td>{i.source}</Table.Td>
                        <Table.Td>
                          <StatusBadge value={i.status} />
                          {i.lastError && (
                            <Text size="xs" c="red.9">
                              {i.lastError}
                            </Text>
                          )}
                          {i.warnings.map((w) => (
                            <Text key={w} size="xs" c="dimmed">
                              {w}
                            </Text>
                          ))}
                        </Table.Td>
                        <Table.Td>
                          {i.jobsDone}/{i.jobsTotal}
                          {i.jobsFailed > 0 ? ` (${i.jobsFailed} failed)` : ""}
                        </Table.Td>
                        <Table.Td>
                          {i.eventsRead} / {i.eventsAdded}
                        </Table.Td>
                        <Table.Td>
                          <Time value={i.finishedAt} />
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
