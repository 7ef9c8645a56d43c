// A JSON value as indented, scrollable, keyboard-reachable text (audit before/after, payloads).
import { Code, Text } from "@mantine/core";

export function JsonView({ label, value }: { label: string; value: unknown }) {
  if (value === null || value === undefined)
    return (
      <Text size="sm" c="dimmed">
        {label}: none
      </Text>
    );
  return (
    <div>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section className="json-view" tabIndex={0} aria-label={label}>
        <Code block>{JSON.stringify(value, null, 2)}</Code>
      </section>
    </div>
  );
}
