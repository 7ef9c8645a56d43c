// Settings (admin): API keys, approval rules and webhooks, one tab each.
import { Stack, Tabs, Title } from "@mantine/core";
import { ApiKeysPanel } from "./api-keys-panel";
import { ApprovalRulesPanel } from "./approval-rules-panel";
import { WebhooksPanel } from "./webhooks-panel";

export function SettingsPage() {
  return (
    <Stack>
      <Title order={1} size="h2">
        Settings
      </Title>
      <Tabs defaultValue="api-keys" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="api-keys">API keys</Tabs.Tab>
          <Tabs.Tab value="approval-rules">Approval rules</Tabs.Tab>
          <Tabs.Tab value="webhooks">Webhooks</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="api-keys" pt="md">
          <ApiKeysPanel />
        </Tabs.Panel>
        <Tabs.Panel value="approval-rules" pt="md">
          <ApprovalRulesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="webhooks" pt="md">
          <WebhooksPanel />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
