// The live pre-flight of a request not yet filed: the reachability engine's answer for one
// account-Region (GET /v1/reachability), said as a person needs it: "works via profile X", or
// "blocked at gate G: why, and who can fix it".
import { Badge, Group, Text } from "@mantine/core";
import type { paths } from "../api/schema";

export type Explanation = paths["/v1/reachability"]["get"]["responses"][200]["content"]["application/json"];
type PathVerdict = Explanation["paths"][number];

const FIXERS: Record<string, string> = {
  platform_team: "the platform team",
  account_owner: "the account's owner",
  requester: "you",
  aws: "AWS",
};

function pathLabel(p: PathVerdict): string {
  if (p.path === "direct") return "on-demand, directly";
  if (p.kind === "mantle") return "bedrock-mantle";
  if (p.kind === "claude_platform") return "Claude Platform";
  return `inference profile ${p.path}`;
}

/** The account's SCPs as the inventory names them (GET /v1/accounts/{id} effectivePolicies). */
export interface NamedPolicy {
  id: string;
  name: string;
  type: string;
  attachedTo: string;
}

const isOwn = (p: NamedPolicy | undefined) =>
  p !== undefined && p.type === "SERVICE_CONTROL_POLICY" && p.name.startsWith("bedrock-governor-");

/**
 * Whether only bedrock-governor's own SCPs stop this path: every denying statement is in one of
 * them, and every missing allow is at a level one of them governs. Provisioning an approved
 * request widens those.
 */
function blockedOnlyByOwnScp(p: PathVerdict, policies: readonly NamedPolicy[]): boolean {
  const failing = p.checks.filter((c) => c.status === "fail");
  if (failing.length === 0 || !failing.every((c) => c.gate === "org_policy")) return false;
  const byId = new Map(policies.map((x) => [x.id, x]));
  const scp = failing.flatMap((c) => c.evidence.filter((e) => e.kind === "scp" && e.data));
  return (
    scp.length > 0 &&
    scp.every((e) => {
      const data = e.data as { decision?: string; missingAllowAt?: string; matched?: Array<{ policyId: string }> };
      if (data.decision === "allow") return true;
      const matched = data.matched ?? [];
      if (matched.length > 0) return matched.every((m) => isOwn(byId.get(m.policyId)));
      return (
        data.missingAllowAt !== undefined && policies.some((x) => x.attachedTo === data.missingAllowAt && isOwn(x))
      );
    })
  );
}

export interface PairSummary {
  tone: "ok" | "opens" | "blocked" | "unknown";
  headline: string;
  detail?: string;
}

export function summarize(e: Explanation, policies: readonly NamedPolicy[]): PairSummary {
  const usable = e.paths.find((p) => p.status === "usable");
  if (usable) return { tone: "ok", headline: `This will work via ${pathLabel(usable)}.` };
  const candidates = e.paths.filter((p) => p.gate !== "region");
  const opens = candidates.find((p) => blockedOnlyByOwnScp(p, policies));
  if (opens)
    return {
      tone: "opens",
      headline: `Approval opens it via ${pathLabel(opens)}.`,
      detail:
        "Only bedrock-governor's own catalog SCP blocks it now; provisioning an approved request widens that SCP.",
    };
  const path = candidates[0] ?? e.paths[0];
  if (!path) return { tone: "unknown", headline: "The engine knows no path to this model here." };
  const check = path.checks.find((c) => c.status === "fail") ?? path.checks.find((c) => c.status === "unknown");
  const who = check?.fixOwner ? ` Who can fix it: ${FIXERS[check.fixOwner] ?? check.fixOwner}.` : "";
  if (path.status === "unknown")
    return {
      tone: "unknown",
      headline: `Cannot tell yet (gate ${path.gate ?? "unknown"}).`,
      detail: `${check?.reason ?? path.reason}${who}`,
    };
  return {
    tone: "blocked",
    headline: `Blocked at gate ${path.gate ?? "unknown"} (${pathLabel(path)}).`,
    detail: `${check?.reason ?? path.reason}${who}`,
  };
}

const TONE = {
  ok: { color: "green.8", label: "works" },
  opens: { color: "blue.8", label: "opens on approval" },
  blocked: { color: "red.8", label: "blocked" },
  unknown: { color: "gray.8", label: "unknown" },
} as const;

export function ReachabilitySummary({
  explanation,
  policies,
}: {
  explanation: Explanation;
  policies: readonly NamedPolicy[];
}) {
  const s = summarize(explanation, policies);
  return (
    <Group gap="xs" wrap="wrap" align="flex-start" data-testid="preflight-pair">
      <Badge color={TONE[s.tone].color} variant="filled" miw="max-content">
        {TONE[s.tone].label}
      </Badge>
      <div className="verdict-text">
        <Text size="sm" fw={600}>
          {explanation.accountId} · {explanation.region}: {s.headline}
        </Text>
        {s.detail && (
          <Text size="sm" className="break-words">
            {s.detail}
          </Text>
        )}
      </div>
    </Group>
  );
}
