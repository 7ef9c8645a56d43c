// The writer's encoding, without a database: times formatted as toISOString formats them, and a
// batch's bytes cut at row boundaries whatever the rows' characters.
import { describe, expect, it } from "vitest";
import { CopyBatch, copyLine, isoTime } from "../../src/modules/invocations/invocation-events.writes.js";
import { invocationRow } from "./helpers.js";

const row = (i: number, userAgent: string) =>
  invocationRow(i, {
    eventTime: new Date(Date.UTC(2026, 7, 1) + i * 3_600_123),
    errorMessage: i % 7 === 0 ? "tab\there" : null,
    userAgent,
  });

describe("CopyBatch", () => {
  it("formats times exactly as toISOString, across days, leap days, the epoch and the year range", () => {
    const edges = [0, -1, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 253402300799999];
    const sweep = Array.from({ length: 20_000 }, (_, i) => Date.UTC(1999, 11, 31) + i * 7_777_777 - 3_000_000_000);
    for (const ms of [...edges, ...sweep, 253402300800000, -62167219200001]) {
      const d = new Date(ms);
      expect(isoTime(d)).toBe(d.toISOString());
    }
  });

  it("keeps each row's line intact when some rows are left out, ASCII or not", () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(i, i % 4 === 1 ? `ua ✓ é 🙂 ${i}` : `ua ${i}`));
    const batch = CopyBatch.of(rows);
    expect(batch.size).toBe(3000);
    expect(batch.lines().toString("utf8")).toBe(rows.map(copyLine).join(""));
    const keep = (i: number) => i % 3 !== 0 && !(i >= 1000 && i < 1400);
    expect(batch.lines(keep).toString("utf8")).toBe(
      rows
        .filter((_, i) => keep(i))
        .map(copyLine)
        .join(""),
    );
    expect(batch.times).toEqual(rows.map((r) => r.eventTime.toISOString()));
    expect(batch.min).toBe(rows[0]?.eventTime.getTime());
    expect(batch.max).toBe(rows[2999]?.eventTime.getTime());
  });
});
