// Sign-in: OIDC (when the service names a console client), an API key for automation, and in
// sandbox mode one-click demo personas.
import { Alert, Button, Card, Container, Divider, Group, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { useConsoleSettings } from "../api/queries";
import { startOidcSignIn } from "./oidc";
import { session } from "./session";

const PERSONA_TEXT: Record<string, string> = {
  admin: "platform team: everything, incl. plans and API keys",
  approver: "decides access requests",
  requester: "developer: files and follows requests",
  auditor: "compliance: audit log and reports",
  viewer: "reads inventory and catalog",
};

function DemoPersonas() {
  const personas = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/sandbox/demo-personas")).personas,
  });
  const signInAs = async (role: string) => {
    const list = personas.data ?? (await personas.mutateAsync());
    const persona = list.find((p) => p.role === role);
    if (persona) session.set({ kind: "demo", token: persona.secret, label: role });
  };
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Demo personas
      </Title>
      <Text size="sm">Sign in as one of the sandbox's demo users to see the console as each role sees it.</Text>
      {personas.error && <Alert color="red">{personas.error.message}</Alert>}
      {Object.entries(PERSONA_TEXT).map(([role, text]) => (
        <Button
          key={role}
          variant="default"
          justify="space-between"
          loading={personas.isPending}
          onClick={() => void signInAs(role)}
          rightSection={<Text size="xs">{text}</Text>}
        >
          Sign in as {role}
        </Button>
      ))}
    </Stack>
  );
}

function ApiKeyForm() {
  const [key, setKey] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) session.set({ kind: "api-key", token: key.trim() });
      }}
    >
      <Stack gap="xs">
        <PasswordInput
          label="API key"
          description="bgk_… — kept in this tab only (sessionStorage)"
          value={key}
          onChange={(e) => setKey(e.currentTarget.value)}
          autoComplete="off"
        />
        <Button type="submit" disabled={!key.trim()}>
          Sign in with API key
        </Button>
      </Stack>
    </form>
  );
}

export function SignInPage({ problem }: { problem?: string | undefined }) {
  const settings = useConsoleSettings();
  const [oidcError, setOidcError] = useState<string>();
  const oidc = settings.data?.oidc;
  return (
    <Container size="xs" py="xl">
      <Card withBorder padding="lg">
        <Stack>
          <Title order={1} size="h2">
            Sign in to bedrock-governor
          </Title>
          {problem && <Alert color="red">{problem}</Alert>}
          {settings.error && <Alert color="red">{settings.error.message}</Alert>}
          {oidc && (
            <>
              <Button
                size="md"
                onClick={() =>
                  startOidcSignIn(oidc, window.location.pathname).catch((e: unknown) => setOidcError(String(e)))
                }
              >
                Sign in with your identity provider
              </Button>
              {oidcError && <Alert color="red">{oidcError}</Alert>}
              <Divider label="or" />
            </>
          )}
          <ApiKeyForm />
          {settings.data?.sandbox && (
            <>
              <Divider />
              <DemoPersonas />
            </>
          )}
          <Group justify="flex-end">
            <Text size="xs" c="dimmed">
              API reference: <a href="/docs">/docs</a>
            </Text>
          </Group>
        </Stack>
      </Card>
    </Container>
  );
}
