// The Region matrix's cell codes (GET /v1/regions/{region}/model-matrix) as the console shows
// them: a glyph, a label and a color class, and the legend that says which is which.
import { Group, Text } from "@mantine/core";

export type VerdictCode = "U" | "P" | "B" | "Q" | "N" | "-";

export const VERDICTS: Record<VerdictCode, { glyph: string; label: string; css: string }> = {
  U: { glyph: "✓", label: "usable", css: "usable" },
  P: { glyph: "P", label: "usable via a profile or another path", css: "profile" },
  B: { glyph: "✕", label: "blocked by a gate", css: "blocked" },
  Q: { glyph: "?", label: "cannot be decided", css: "unknown" },
  N: { glyph: "·", label: "offered, not judged yet", css: "unjudged" },
  "-": { glyph: "", label: "not offered", css: "absent" },
};

export const VERDICT_ORDER: readonly VerdictCode[] = ["U", "P", "B", "Q", "N", "-"];

export function VerdictLegend({ counts }: { counts?: Partial<Record<VerdictCode, number>> }) {
  return (
    <Group gap="md" component="ul" className="heat-legend" aria-label="Legend">
      {VERDICT_ORDER.map((code) => (
        <Group key={code} gap={6} component="li" wrap="nowrap">
          <span className={`heat-swatch heat-${VERDICTS[code].css}`} aria-hidden="true">
            {VERDICTS[code].glyph}
          </span>
          <Text size="sm">
            {VERDICTS[code].label}
            {counts ? ` (${(counts[code] ?? 0).toLocaleString()})` : ""}
          </Text>
        </Group>
      ))}
    </Group>
  );
}
