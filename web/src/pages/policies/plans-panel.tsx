// Remediation plans: the admin's queue (pending) or every plan, each with its changes in words,
// SCP diffs, what it cannot do, pre-flight/rollout results and per-change outcomes; admins apply
// one after confirming (the API re-checks it: stale or blocking plans come back as a message).

import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  Modal,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useState } from "react";
import { ProblemError } from "../../api/client";
import { CodeBlock } from "../../components/code-block";
import { QueryState } from "../../components/query-state";
import { StatusBadge } from "../../components/status-badge";
import { Time } from "../../components/time";
import { changeText, scopeText } from "./plan-change-text";
import { type Plan, useApplyPlan, usePlans } from "./policies-queries";

function Breakages({ title, items }: { title: string; items: NonNullable<Plan["rollout"]>["breakages"] }) {
  if (items.length === 0) return null;
  return (
    <Alert color="orange" title={title}>
      <List size="sm">
        {items.map((b) => (
          <List.Item key={`${b.accountId}-${b.region}-${b.modelId}-${b.path}`}>
            {b.modelId} in {b.accountId} ({b.region}) via {b.path}: blocked at {b.gate}. {b.reason}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

function PlanCard({ plan, admin, onApply }: { plan: Plan; admin: boolean; onApply: (p: Plan) => void }) {
  const results = new Map((plan.results ?? []).map((r) => [r.index, r]));
  return (
    <Card withBorder component="article" aria-label={`Plan ${plan.id.slice(0, 8)}`} data-testid="plan">
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Title order={3} size="h5">
            Plan {plan.id.slice(0, 8)} for {scopeText(plan.scope)}
          </Title>
          <StatusBadge value={plan.status} />
        </Group>
        {admin && plan.status === "planned" && plan.changes.length > 0 && (
          <Button size="xs" color="red.8" onClick={() => onApply(plan)}>
            Apply<span className="visually-hidden"> plan {plan.id.slice(0, 8)}</span>
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        Planned by {plan.createdBy}, <Time value={plan.createdAt} />
        {plan.appliedAt && (
          <>
            ; applied by {plan.appliedBy}, <Time value={plan.appliedAt} />
          </>
        )}
      </Text>
      {plan.changes.length === 0 ? (
        <Text size="sm">No change: AWS already matches the catalog here.</Text>
      ) : (
        <List size="sm" mt="xs" type="ordered">
          {plan.changes.map((c, i) => {
            const result = results.get(i);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a plan's changes are fixed and ordered
              <List.Item key={i}>
                {changeText(c)}
                {result && (
                  <>
                    {" "}
                    <StatusBadge value={result.status} />
                    {result.error && (
                      <Text size="xs" c="red.8">
                        {result.error.message}
                      </Text>
                    )}
                  </>
                )}
                {c.kind === "scp_update" && <CodeBlock label={`Diff of ${c.name}`}>{c.diff}</CodeBlock>}
              </List.Item>
            );
          })}
        </List>
      )}
      {plan.unresolved.length > 0 && (
        <Alert color="yellow" title="What this plan cannot do" mt="xs">
          <List size="sm">
            {[...new Set(plan.unresolved.map((u) => u.reason))].map((reason) => (
              <List.Item key={reason}>{reason}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {plan.override && (
        <Breakages title={`Forced by ${plan.override.by}: ${plan.override.reason}`} items={plan.override.breakages} />
      )}
      {plan.rollout && (
        <Stack gap={4} mt="xs">
          <Text size="sm">
            Rollout: first {plan.rollout.first}, <Badge color="gray.8">{plan.rollout.status}</Badge>{" "}
            {plan.rollout.message}
          </Text>
          <Breakages title="Blocked after the first stage" items={plan.rollout.breakages} />
        </Stack>
      )}
      {plan.syncRunIds.length > 0 && (
        <Text size="sm" mt="xs">
          Verification: {plan.syncRunIds.length} sync run{plan.syncRunIds.length === 1 ? "" : "s"} started;
          reconciliation follows.
        </Text>
      )}
    </Card>
  );
}

function ApplyDialog({ plan, onClose }: { plan: Plan; onClose: () => void }) {
  const apply = useApplyPlan();
  const [reason, setReason] = useState("");
  const outcome = apply.data;
  const problem = apply.error instanceof ProblemError ? apply.error.problem : undefined;
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      lockScroll={false}
      opened
      onClose={onClose}
      title={`Apply plan ${plan.id.slice(0, 8)}`}
      size="lg"
    >
      <Stack gap="sm">
        {!outcome && (
          <>
            <Text size="sm">
              This writes {plan.changes.length} change{plan.changes.length === 1 ? "" : "s"} to AWS for{" "}
              {scopeText(plan.scope)}. The service checks the plan again first: if the catalog or the organization
              changed, or the new SCPs would block approved use, nothing is written.
            </Text>
            <Textarea
              label="Reason (optional, for the audit log)"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
          </>
        )}
        {apply.error && (
          <Alert color="red" title={problem?.code ? `Not applied (${problem.code})` : "Not applied"}>
            {apply.error.message}
          </Alert>
        )}
        {outcome && (
          <Alert
            color={outcome.status === "applied" ? "green" : "orange"}
            title={`Plan ${outcome.status.replace("_", " ")}`}
            data-testid="plan-outcome"
          >
            {(outcome.results ?? []).filter((r) => r.status === "applied").length} of {outcome.changes.length} changes
            applied; {outcome.syncRunIds.length} sync run{outcome.syncRunIds.length === 1 ? "" : "s"} started to verify
            them, then reconciliation.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {outcome ? "Close" : "Cancel"}
          </Button>
          {!outcome && (
            <Button
              color="red.8"
              loading={apply.isPending}
              onClick={() => apply.mutate({ id: plan.id, reason: reason.trim() })}
            >
              Apply to AWS
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

export function PlansPanel({ admin }: { admin: boolean }) {
  const [which, setWhich] = useState<"pending" | "all">("pending");
  const plans = usePlans(which === "pending");
  const [applying, setApplying] = useState<Plan | null>(null);
  return (
    <Stack gap="sm">
      <SegmentedControl
        w="fit-content"
        value={which}
        onChange={(v) => setWhich(v as typeof which)}
        data={[
          { value: "pending", label: "Awaiting apply" },
          { value: "all", label: "All plans" },
        ]}
        aria-label="Which plans"
      />
      <QueryState query={plans}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{which === "pending" ? "No plan waits to be applied." : "No remediation plan yet."}</Text>
          ) : (
            <Stack gap="sm">
              {page.items.map((p) => (
                <PlanCard key={p.id} plan={p} admin={admin} onApply={setApplying} />
              ))}
            </Stack>
          )
        }
      </QueryState>
      {applying && <ApplyDialog plan={applying} onClose={() => setApplying(null)} />}
    </Stack>
  );
}
