// The signed-in frame: header (who, role, color scheme, sign out), the sandbox banner, and the
// navigation the role may use.
import {
  ActionIcon,
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  NavLink,
  Text,
  Title,
  useComputedColorScheme,
  useMantineColorScheme,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link, Outlet, useLocation } from "react-router";
import { useConsoleSettings } from "../api/queries";
import type { Principal } from "../auth/principal";
import { session } from "../auth/session";
import { navFor } from "./navigation";

function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme("light");
  const next = computed === "dark" ? "light" : "dark";
  return (
    <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} mode`} onClick={() => setColorScheme(next)}>
      <span aria-hidden="true">{computed === "dark" ? "☀" : "☾"}</span>
    </ActionIcon>
  );
}

export function SandboxBanner() {
  const settings = useConsoleSettings();
  if (!settings.data?.sandbox) return null;
  return (
    <div className="sandbox-banner" role="status" aria-label="Sandbox mode">
      <strong>Sandbox mode:</strong> AWS calls go to the built-in AWS sandbox, not to a real organization.
    </div>
  );
}

export function Shell({ principal }: { principal: Principal }) {
  const [opened, { toggle, close }] = useDisclosure();
  const location = useLocation();
  const items = navFor(principal.roles);
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: "sm", collapsed: { mobile: !opened } }}>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h4" className="nowrap">
              bedrock-governor
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="sm" data-testid="principal-name">
              {principal.name}
            </Text>
            {principal.roles.map((role) => (
              <Badge key={role} variant="filled" data-testid="principal-role" visibleFrom="sm">
                {role}
              </Badge>
            ))}
            <ColorSchemeToggle />
            <Button variant="default" size="xs" className="nowrap" onClick={() => session.clear()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation" component="nav">
        {items.map((item) => (
          <NavLink
            key={item.path}
            component={Link}
            to={item.path}
            label={item.label}
            active={location.pathname === item.path}
            variant="filled"
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <SandboxBanner />
        <div className="page">
          <Outlet />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
