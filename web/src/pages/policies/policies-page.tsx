// Policies & plans: the SCPs the catalog compiles to for a root, OU or account, the least-privilege
// identity policy for a developer role in an account-Region, and the remediation plans that bring
// what is attached in AWS in line (their SCP changes are diffs against the attached text).

import { Button, Card, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { usePrincipal } from "../../auth/principal";
import { CodeBlock } from "../../components/code-block";
import { mayUse } from "../../components/navigation";
import { QueryState } from "../../components/query-state";
import { PlansPanel } from "./plans-panel";
import { useCompiledIam, useCompiledScps, useOrgUnits } from "./policies-queries";

const pretty = (json: string) => JSON.stringify(JSON.parse(json), null, 2);

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function Scps() {
  const units = useOrgUnits();
  const [picked, setPicked] = useState<string | null>(null);
  const [account, setAccount] = useState("");
  const [shown, setShown] = useState<string | null>(null);
  const root = units.data?.find((u) => u.kind === "root")?.id ?? null;
  const targetId = shown ?? picked ?? root;
  const scps = useCompiledScps(targetId);
  return (
    <Section title="Service control policies">
      <Group align="flex-end" mb="sm">
        <Select
          label="Root or OU"
          data={(units.data ?? []).map((u) => ({ value: u.id, label: `${u.path} (${u.id})` }))}
          value={picked ?? root}
          onChange={(v) => {
            setPicked(v);
            setShown(null);
          }}
          allowDeselect={false}
          w={360}
        />
        <TextInput
          label="or an account"
          placeholder="123456789012"
          value={account}
          onChange={(e) => setAccount(e.currentTarget.value)}
        />
        <Button variant="default" disabled={!/^\d{12}$/.test(account)} onClick={() => setShown(account)}>
          Show account
        </Button>
      </Group>
      <QueryState query={scps}>
        {(result) => (
          <Stack gap="sm">
            <Text size="sm">
              {result.policies.length === 0
                ? `Nothing to attach to ${result.target.kind} ${result.target.id}: its parent's policies already say the same.`
                : `${result.policies.length} SCP${result.policies.length === 1 ? "" : "s"} for ${result.target.kind} ${result.target.id}`}
            </Text>
            {result.policies.map((p) => (
              <div key={p.name}>
                <Text fw={600} size="sm">
                  {p.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {p.description} — {p.statementCount} statements, {p.content.length} of 5,120 characters
                </Text>
                <CodeBlock label={`Policy ${p.name}`} maxHeight={320}>
                  {pretty(p.content)}
                </CodeBlock>
              </div>
            ))}
          </Stack>
        )}
      </QueryState>
    </Section>
  );
}

function IdentityPolicy() {
  const [accountId, setAccountId] = useState("");
  const [region, setRegion] = useState("us-east-1");
  const [target, setTarget] = useState<{ accountId: string; region: string } | null>(null);
  const iam = useCompiledIam(target);
  return (
    <Section title="Identity policy for developers">
      <Group align="flex-end" mb="sm">
        <TextInput
          label="Account"
          placeholder="123456789012"
          value={accountId}
          onChange={(e) => setAccountId(e.currentTarget.value)}
        />
        <TextInput label="Region" value={region} onChange={(e) => setRegion(e.currentTarget.value)} />
        <Button
          variant="default"
          disabled={!/^\d{12}$/.test(accountId) || region === ""}
          onClick={() => setTarget({ accountId, region })}
        >
          Compile
        </Button>
      </Group>
      {target && (
        <QueryState query={iam}>
          {(result) => (
            <Stack gap="xs">
              {result.warnings.map((w) => (
                <Text key={w} size="sm" c="orange.9">
                  {w}
                </Text>
              ))}
              <Text size="sm">
                As {result.managedPolicies.length} customer managed polic
                {result.managedPolicies.length === 1 ? "y" : "ies"} of at most 6,144 characters; the whole document:
              </Text>
              <CodeBlock label="Identity policy document" maxHeight={320}>
                {JSON.stringify(result.document, null, 2)}
              </CodeBlock>
            </Stack>
          )}
        </QueryState>
      )}
    </Section>
  );
}

export function PoliciesPage() {
  const me = usePrincipal();
  const admin = mayUse(me.roles, "admin");
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Policies &amp; plans
        </Title>
        <Text c="dimmed" size="sm">
          What the catalog compiles to, and the plans that make AWS match it. A plan's SCP updates show the diff against
          the policy attached in AWS.
        </Text>
      </div>
      <Section title="Remediation plans">
        <PlansPanel admin={admin} />
      </Section>
      <Scps />
      <IdentityPolicy />
    </Stack>
  );
}
