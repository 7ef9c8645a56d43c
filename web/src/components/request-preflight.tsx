// The approver's pre-flight: the reachability engine's verdict on each account × Region of a
// request as it would be once approved (the `preflight` field of the request view).
import { Badge, Group, List, Text } from "@mantine/core";
import type { paths } from "../api/schema";

type Verdict = NonNullable<
  paths["/v1/access-requests/{id}"]["get"]["responses"][200]["content"]["application/json"]["preflight"]
>[number];

const LOOK = {
  usable: { color: "green.8", label: "works" },
  opens_on_approval: { color: "blue.8", label: "opens on approval" },
  blocked: { color: "red.8", label: "blocked" },
  unknown: { color: "gray.8", label: "unknown" },
} as const satisfies Record<Verdict["status"], { color: string; label: string }>;

export function PreflightVerdictBadge({ status }: { status: Verdict["status"] }) {
  const look = LOOK[status];
  return (
    <Badge color={look.color} variant="filled" miw="max-content">
      {look.label}
    </Badge>
  );
}

/** One line per pair; the overall verdict is the worst of them. */
export function RequestPreflight({ verdicts }: { verdicts: readonly Verdict[] | null | undefined }) {
  if (!verdicts) return <Text c="dimmed">No pre-flight: the request's outcome is decided.</Text>;
  if (verdicts.length === 0) return <Text c="dimmed">The reachability engine gave no verdict.</Text>;
  return (
    <List spacing="xs" listStyleType="none" p={0}>
      {verdicts.map((v) => (
        <List.Item key={`${v.accountId}|${v.region}`}>
          <Group gap="xs" wrap="wrap" align="flex-start">
            <PreflightVerdictBadge status={v.status} />
            <div className="verdict-text">
              <Text size="sm" fw={600}>
                {v.accountId} · {v.region}
                {v.gate ? ` · gate ${v.gate}` : ""}
              </Text>
              <Text size="sm" className="break-words">
                {v.sentence}
              </Text>
            </div>
          </Group>
        </List.Item>
      ))}
    </List>
  );
}

/** The worst verdict of a request's pre-flight, for lists. */
export function worstVerdict(verdicts: readonly Verdict[] | null | undefined): Verdict["status"] | undefined {
  if (!verdicts || verdicts.length === 0) return undefined;
  for (const s of ["blocked", "unknown", "opens_on_approval", "usable"] as const)
    if (verdicts.some((v) => v.status === s)) return s;
  return undefined;
}
