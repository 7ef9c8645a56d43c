// One request: what was asked, its pre-flight, its timeline (filed, decisions, plans,
// provisioning, waiting for an admin, activation, the end and why), and what the signed-in person
// may do with it: cancel (the requester, while pending), decide (an approver, not their own),
// apply the waiting plans and verify (admin), revoke (admin, while active).
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  List,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Timeline,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { usePrincipal } from "../../auth/principal";
import { mayUse } from "../../components/navigation";
import { isStale } from "../../components/problem-fields";
import { QueryState } from "../../components/query-state";
import { RequestDecision } from "../../components/request-decision";
import { RequestPreflight } from "../../components/request-preflight";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import {
  type AccessRequest,
  type RemediationPlan,
  useApplyPlan,
  usePlans,
  useRequest,
  useRequestAction,
  useVerify,
} from "./requests-queries";

interface Step {
  key: string;
  title: string;
  at?: string | null;
  body?: React.ReactNode;
  tone?: "done" | "wait" | "bad";
}

const ENDED_TITLE: Partial<Record<AccessRequest["status"], string>> = {
  rejected: "Rejected",
  cancelled: "Cancelled by the requester",
  expired: "Expired undecided",
  failed: "Failed",
  revoked: "Revoked",
  ended: "Ended (its duration is over)",
};

function timeline(r: AccessRequest): Step[] {
  const steps: Step[] = [
    {
      key: "filed",
      title: `Filed by ${r.requesterName}`,
      at: r.createdAt,
      body: `${r.requiredApprovals} approval${r.requiredApprovals === 1 ? "" : "s"} needed${r.approverRole ? ` (role ${r.approverRole})` : ""}${r.approverGroup ? ` (group ${r.approverGroup})` : ""}; undecided it expires ${new Date(r.pendingUntil).toLocaleString()}`,
      tone: "done",
    },
  ];
  for (const [i, d] of r.decisions.entries())
    steps.push({
      key: `decision-${i}`,
      title: `${d.decision === "approve" ? "Approved" : "Rejected"} by ${d.approverName}`,
      at: d.createdAt,
      body: d.comment ? `“${d.comment}”` : undefined,
      tone: d.decision === "approve" ? "done" : "bad",
    });
  for (const p of r.plans) {
    // Applied by an admin outside provisioning: the request going active is what shows it took.
    const applied = p.applied || (p.purpose === "grant" && r.activatedAt !== null);
    steps.push({
      key: `plan-${p.planId}`,
      title: `${p.purpose === "grant" ? "Plan" : "Reversal plan"} for ${p.accountId} ${p.region}: ${p.changes} change${p.changes === 1 ? "" : "s"}`,
      body: p.changes === 0 ? "Nothing to change in AWS" : applied ? "Applied" : "Not applied yet",
      tone: applied || p.changes === 0 ? "done" : "wait",
    });
  }
  if (r.status === "provisioning" || r.status === "approved")
    steps.push({
      key: "provisioning",
      title: r.status === "approved" ? "Approved: provisioning starts" : "Provisioning",
      at: r.decidedAt,
      body: "Grants join desired state; plans are made, applied and the account-Regions re-synced",
      tone: "wait",
    });
  if (r.waiting)
    steps.push({
      key: "waiting",
      title: `Waiting for an ${r.waiting.for} to ${r.waiting.action}`,
      at: r.waiting.since,
      body: `Plans: ${r.waiting.plans.map((p) => `${p.planId.slice(0, 8)} (${p.accountId} ${p.region}, ${p.changes} changes)`).join(", ")}. An admin applies them, then verifies the request.${r.waiting.remindedAt ? ` Reminded ${new Date(r.waiting.remindedAt).toLocaleString()}.` : ""}`,
      tone: "wait",
    });
  if (r.activatedAt)
    steps.push({
      key: "active",
      title: "Active",
      at: r.activatedAt,
      body: r.activeUntil ? `Until ${new Date(r.activeUntil).toLocaleString()}` : undefined,
      tone: "done",
    });
  const ended = ENDED_TITLE[r.status];
  if (ended && r.status !== "rejected")
    steps.push({
      key: "ended",
      title: ended,
      at: r.endedAt ?? r.updatedAt,
      body: r.failure ? <FailureDetail failure={r.failure} /> : undefined,
      tone: r.status === "failed" || r.status === "expired" ? "bad" : "done",
    });
  return steps;
}

function FailureDetail({ failure }: { failure: NonNullable<AccessRequest["failure"]> }) {
  return (
    <Stack gap={4}>
      <List size="sm" spacing={2}>
        {failure.gates.map((g) => (
          <List.Item key={`${g.accountId}|${g.region}|${g.gate}`}>
            <Text size="sm" className="break-words">
              <strong>
                {g.accountId} {g.region}, gate {g.gate}:
              </strong>{" "}
              {g.detail}
            </Text>
          </List.Item>
        ))}
      </List>
      <Text size="sm" className="break-words">
        <strong>Fix:</strong> {failure.fix}
      </Text>
    </Stack>
  );
}

const TONE_COLOR = { done: "green.8", wait: "yellow.8", bad: "red.8" } as const;

function RequestTimeline({ request }: { request: AccessRequest }) {
  const steps = timeline(request);
  return (
    <Timeline active={steps.length - 1} bulletSize={14} lineWidth={2}>
      {steps.map((s) => (
        <Timeline.Item key={s.key} title={s.title} color={TONE_COLOR[s.tone ?? "done"]}>
          {s.at && (
            <Text size="xs" c="dimmed">
              <Time value={s.at} />
            </Text>
          )}
          {typeof s.body === "string" ? (
            <Text size="sm" className="break-words">
              {s.body}
            </Text>
          ) : (
            s.body
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function changeLine(c: RemediationPlan["changes"][number]): string {
  const parts = Object.entries(c)
    .filter(([k, v]) => k !== "kind" && (typeof v === "string" || typeof v === "number") && String(v).length < 80)
    .map(([k, v]) => `${k} ${v}`);
  const target = "target" in c && c.target ? ` → ${c.target.kind} ${c.target.id}` : "";
  return `${parts.join(", ")}${target}`;
}

function WaitingPlans({ request }: { request: AccessRequest }) {
  const ids = request.waiting?.plans.map((p) => p.planId) ?? [];
  const plans = usePlans(ids, ids.length > 0);
  const apply = useApplyPlan();
  const verify = useVerify();
  const allApplied = plans.length > 0 && plans.every((q) => q.data?.status === "applied");
  return (
    <Card withBorder component="section" aria-label="Plans waiting for an admin">
      <Title order={2} size="h4" mb="xs">
        Plans waiting for you
      </Title>
      <Text size="sm" mb="sm">
        Provisioning made these remediation plans and waits for an admin to apply them (no approval rule lets it apply
        them itself). Apply each, then verify the request.
      </Text>
      <Stack>
        {plans.map((q, i) => (
          <QueryState key={ids[i]} query={q}>
            {(plan) => (
              <Card withBorder padding="sm" aria-label={`Plan ${plan.id.slice(0, 8)}`} component="section">
                <Group justify="space-between" mb="xs">
                  <Text fw={600}>Plan {plan.id.slice(0, 8)}</Text>
                  <StatusBadge value={plan.status} />
                </Group>
                <List size="sm" spacing={4} mb="sm">
                  {plan.changes.map((c, n) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a plan's changes are fixed and ordered
                    <List.Item key={n}>
                      <Text size="sm" className="break-words" component="div">
                        <Badge variant="light" color="indigo" mr={6}>
                          {c.kind.replace(/_/g, " ")}
                        </Badge>
                        {changeLine(c)}
                      </Text>
                    </List.Item>
                  ))}
                </List>
                {plan.status === "planned" && (
                  <Group>
                    <Button
                      size="sm"
                      loading={apply.isPending && apply.variables === plan.id}
                      onClick={() => apply.mutate(plan.id)}
                    >
                      Apply plan {plan.id.slice(0, 8)}
                    </Button>
                  </Group>
                )}
              </Card>
            )}
          </QueryState>
        ))}
        {apply.error && (
          <Alert color="red" title="Not applied" role="alert">
            {apply.error.message}
          </Alert>
        )}
        <Group>
          <Button
            variant={allApplied ? "filled" : "default"}
            loading={verify.isPending}
            onClick={() => verify.mutate(request.id)}
          >
            Verify request
          </Button>
          {verify.isSuccess && <Text size="sm">Verifying: the account-Regions are re-synced and judged again.</Text>}
        </Group>
        {verify.error && (
          <Alert color="red" title="Not verified" role="alert">
            {verify.error.message}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

function StateAction({
  request,
  verb,
  label,
  needsComment,
}: {
  request: AccessRequest;
  verb: "cancel" | "revoke";
  label: string;
  needsComment: boolean;
}) {
  const action = useRequestAction();
  const [comment, setComment] = useState("");
  const stale = isStale(action.error);
  return (
    <Stack gap="xs">
      {needsComment && (
        <Textarea
          label={`Why ${verb}?`}
          description="Required; kept in the audit log and sent to the requester"
          autosize
          minRows={2}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
        />
      )}
      <Group>
        <Button
          color="red.8"
          disabled={needsComment && comment.trim() === ""}
          loading={action.isPending}
          onClick={() => action.mutate({ verb, request, ...(comment.trim() ? { comment: comment.trim() } : {}) })}
        >
          {label}
        </Button>
      </Group>
      {action.error && (
        <Alert color={stale ? "yellow" : "red"} title={stale ? "The request changed" : "Refused"} role="alert">
          {stale ? `${action.error.message}. It has been reloaded; look again.` : action.error.message}
        </Alert>
      )}
    </Stack>
  );
}

function Actions({ request }: { request: AccessRequest }) {
  const me = usePrincipal();
  const person = me.person ?? me.id;
  const own = request.requesterId === person || request.requesterId === me.id;
  const admin = mayUse(me.roles, "admin");
  const decides = mayUse(me.roles, "approver") && request.status === "pending";
  const [stale, setStale] = useState<string | undefined>(undefined);
  const cards: React.ReactNode[] = [];
  if (stale)
    cards.push(
      <Alert key="stale" color="yellow" title="Your decision was not recorded" role="alert">
        {stale}
      </Alert>,
    );
  if (decides)
    cards.push(
      <Card key="decide" withBorder component="section" aria-label="Decision">
        <Title order={2} size="h4" mb="xs">
          Decision
        </Title>
        {own ? (
          <Text>You filed this: someone else must decide it.</Text>
        ) : request.decisions.some((d) => d.approverId === person) ? (
          <Text>You approved this; it waits for another approver.</Text>
        ) : (
          <RequestDecision request={request} onStale={setStale} />
        )}
      </Card>,
    );
  if (own && request.status === "pending")
    cards.push(
      <Card key="cancel" withBorder component="section" aria-label="Cancel">
        <Title order={2} size="h4" mb="xs">
          Cancel
        </Title>
        <StateAction request={request} verb="cancel" label="Cancel request" needsComment={false} />
      </Card>,
    );
  if (admin && request.waiting) cards.push(<WaitingPlans key="plans" request={request} />);
  if (admin && request.status === "provisioning" && !request.waiting)
    cards.push(
      <Card key="verify" withBorder component="section" aria-label="Verify">
        <Title order={2} size="h4" mb="xs">
          Verify
        </Title>
        <VerifyButton id={request.id} />
      </Card>,
    );
  if (admin && request.status === "active")
    cards.push(
      <Card key="revoke" withBorder component="section" aria-label="Revoke">
        <Title order={2} size="h4" mb="xs">
          Revoke
        </Title>
        <StateAction request={request} verb="revoke" label="Revoke access" needsComment />
      </Card>,
    );
  return cards.length ? <Stack>{cards}</Stack> : null;
}

function VerifyButton({ id }: { id: string }) {
  const verify = useVerify();
  return (
    <Stack gap="xs">
      <Text size="sm">
        After applying its plans by hand, verify re-syncs the account-Regions and judges them again.
      </Text>
      <Group>
        <Button variant="default" loading={verify.isPending} onClick={() => verify.mutate(id)}>
          Verify request
        </Button>
      </Group>
      {verify.error && (
        <Alert color="red" role="alert">
          {verify.error.message}
        </Alert>
      )}
    </Stack>
  );
}

function Facts({ request: r }: { request: AccessRequest }) {
  const rows: Array<[string, React.ReactNode]> = [
    ["Model or profile", <Code key="t">{r.target}</Code>],
    ["Provider", r.provider],
    ["Accounts", r.accountIds.join(", ")],
    ["Regions", r.regions.join(", ")],
    ["Data classification", r.dataClassification],
    ["Duration", `${r.durationHours} hours`],
    ["Approvals", `${r.approvals}/${r.requiredApprovals}`],
    ["Plans applied by", r.autoApply ? "provisioning itself" : "an admin"],
    [
      "Provisioned through",
      r.provisionVia === "managed_entitlement" ? "a managed entitlement (License Manager grant)" : "remediation plans",
    ],
  ];
  return (
    <Card withBorder component="section" aria-label="Request">
      <Text size="sm" mb="xs" className="break-words">
        {r.purpose}
      </Text>
      <SimpleGrid cols={2} spacing="xs" verticalSpacing={4}>
        {rows.map(([k, v]) => (
          <div key={k}>
            <Text size="xs" c="dimmed">
              {k}
            </Text>
            <Text size="sm" className="break-words">
              {v}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Card>
  );
}

export function RequestPage() {
  const { id = "" } = useParams();
  const query = useRequest(id);
  return (
    <Stack maw={960}>
      <Anchor component={Link} to="/requests" size="sm">
        ← Requests
      </Anchor>
      <QueryState query={query}>
        {(r) => (
          <Stack>
            <Group gap="sm" align="center">
              <Title order={1} size="h2" className="break-words">
                {r.target}
              </Title>
              <StatusBadge value={r.status} />
              {query.isFetching && <Loader size="xs" aria-label="Refreshing" />}
            </Group>
            <Text c="dimmed" size="sm">
              Filed by {r.requesterName} · <Time value={r.createdAt} />
            </Text>
            <Facts request={r} />
            <Actions request={r} />
            {r.preflight !== undefined && r.preflight !== null && (
              <Card withBorder component="section" aria-label="Pre-flight verdicts">
                <Title order={2} size="h4" mb="xs">
                  Pre-flight
                </Title>
                <Text size="sm" c="dimmed" mb="xs">
                  The reachability engine's verdict on each account-Region as it would be once approved.
                </Text>
                <RequestPreflight verdicts={r.preflight} />
              </Card>
            )}
            <Card withBorder component="section" aria-label="Timeline">
              <Title order={2} size="h4" mb="sm">
                Timeline
              </Title>
              <RequestTimeline request={r} />
            </Card>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
