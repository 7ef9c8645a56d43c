// Preformatted text (policy JSON, diffs, evidence) in a labelled region that scrolls, and so is
// reachable by keyboard (axe: scrollable-region-focusable).
import { Code } from "@mantine/core";
import type { ReactNode } from "react";

export function CodeBlock({ label, children, maxHeight }: { label: string; children: ReactNode; maxHeight?: number }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="code-scroll" tabIndex={0} aria-label={label} style={maxHeight ? { maxHeight } : undefined}>
      <Code block>{children}</Code>
    </section>
  );
}
