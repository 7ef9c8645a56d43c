// Approvals: the pending requests the signed-in approver may decide, with separation of duties in
// view (their own requests are listed but only someone else may decide them; approvals so far and
// by whom), the pre-flight verdict, and approve / reject with a comment, sent with the version read.
import { Alert, Anchor, Badge, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { usePrincipal } from "../../auth/principal";
import { QueryState } from "../../components/query-state";
import { RequestDecision } from "../../components/request-decision";
import { PreflightVerdictBadge, RequestPreflight, worstVerdict } from "../../components/request-preflight";
import { Time } from "../../components/time";
import { type AccessRequest, useRequests } from "../requests/requests-queries";

function QueueItem({
  request: r,
  person,
  onStale,
}: {
  request: AccessRequest;
  person: string;
  onStale: (message: string) => void;
}) {
  const own = r.requesterId === person;
  const mine = r.decisions.some((d) => d.approverId === person);
  const worst = worstVerdict(r.preflight);
  const approvers = r.decisions.filter((d) => d.decision === "approve").map((d) => d.approverName);
  return (
    <Card
      withBorder
      component="article"
      aria-label={`Request for ${r.target} by ${r.requesterName}`}
      data-testid="approval-item"
    >
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="xs">
          <div>
            <Anchor component={Link} to={`/requests/${r.id}`} fw={700} className="break-words">
              {r.target}
            </Anchor>
            <Text size="sm">
              {r.requesterName} · {r.accountIds.join(", ")} · {r.regions.join(", ")}
            </Text>
          </div>
          <Group gap={6}>
            {worst && <PreflightVerdictBadge status={worst} />}
            <Badge variant="default" miw="max-content">
              {r.approvals}/{r.requiredApprovals} approvals
            </Badge>
          </Group>
        </Group>
        <Text size="sm" className="break-words">
          <strong>Purpose:</strong> {r.purpose}
        </Text>
        <Text size="sm">
          <strong>Data:</strong> {r.dataClassification} · <strong>Duration:</strong> {r.durationHours} h ·{" "}
          <strong>Filed:</strong> <Time value={r.createdAt} />
        </Text>
        {approvers.length > 0 && <Text size="sm">Approved so far by {approvers.join(", ")}.</Text>}
        <div>
          <Text size="sm" fw={600} mb={4}>
            Pre-flight
          </Text>
          <RequestPreflight verdicts={r.preflight} />
        </div>
        {own ? (
          <Text fw={600} data-testid="own-request">
            You filed this: someone else must decide it.
          </Text>
        ) : mine ? (
          <Text fw={600}>You approved this; it waits for another approver.</Text>
        ) : (
          <RequestDecision request={r} onStale={onStale} />
        )}
      </Stack>
    </Card>
  );
}

export function ApprovalsPage() {
  const me = usePrincipal();
  const person = me.person ?? me.id;
  const query = useRequests({ status: "pending" });
  const [stale, setStale] = useState<string | undefined>(undefined);
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Approvals
        </Title>
        <Text c="dimmed" size="sm">
          Pending requests you may decide. Nobody decides a request they filed.
        </Text>
      </div>
      {stale && (
        <Alert
          color="yellow"
          title="Your decision was not recorded"
          withCloseButton
          onClose={() => setStale(undefined)}
          closeButtonLabel="Dismiss"
        >
          {stale}
        </Alert>
      )}
      <QueryState query={query}>
        {(page) => {
          const items = [...page.items].sort(
            (a, b) => Number(a.requesterId === person) - Number(b.requesterId === person),
          );
          const toDecide = items.filter((r) => r.requesterId !== person).length;
          return (
            <Stack>
              <Text fw={600} role="status">
                {toDecide === 0
                  ? "No request waits for your decision."
                  : `${toDecide} ${toDecide === 1 ? "request waits" : "requests wait"} for your decision.`}
              </Text>
              <SimpleGrid cols={{ base: 1, lg: 2 }}>
                {items.map((r) => (
                  <QueueItem key={r.id} request={r} person={person} onStale={setStale} />
                ))}
              </SimpleGrid>
            </Stack>
          );
        }}
      </QueryState>
    </Stack>
  );
}
