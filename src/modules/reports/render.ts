// Report renderers. Each takes the sections (rows streamed) and writes to a sink as it goes, so
// memory holds one batch of rows whatever the report's size. Every format carries every row: JSON
// and CSV for machines, HTML and PDF for people (row counts, controls, charts, an appendix).
import type { Cell, ColumnKind, ReportMeta, ReportSection, ReportSink } from "./reports.types.js";

export const scopeText = (m: ReportMeta) =>
  m.scope.kind === "organization" ? "organization" : `${m.scope.kind} ${m.scope.id}`;

export const periodText = (m: ReportMeta) => `${m.from.toISOString()} – ${m.to.toISOString()}`;

export function metaJson(m: ReportMeta) {
  return {
    id: m.id,
    title: m.title,
    generatedAt: m.generatedAt.toISOString(),
    period: { from: m.from.toISOString(), to: m.to.toISOString() },
    scope: m.scope,
    ...(m.accountIds ? { accounts: m.accountIds.length } : {}),
  };
}

/** Sections in reading order: the body, then those marked `appendix`. */
export function readingOrder(sections: readonly ReportSection[]): ReportSection[] {
  return [...sections.filter((s) => !s.appendix), ...sections.filter((s) => s.appendix)];
}

/** "Evidence for: ISO/IEC 42001:2023 Annex A A.6.2.8 (…); SOC 2 CC6.1 (…)", or undefined. */
export function controlsLine(s: ReportSection): string | undefined {
  if (!s.controls || s.controls.length === 0) return undefined;
  return `Evidence for: ${s.controls.map((c) => `${c.framework} ${c.id}${c.title ? ` (${c.title})` : ""}`).join("; ")}`;
}

/** A column's kind: the section's own, else read from sample values (no space → a token). */
export function columnKinds(s: ReportSection, sample: readonly (readonly Cell[])[]): ColumnKind[] {
  return s.columns.map((name, i) => {
    const given = s.kinds?.[i];
    if (given) return given;
    const values = sample.map((r) => r[i]).filter((v) => v !== null && v !== "");
    if (values.length > 0 && values.every((v) => typeof v === "number")) return "number";
    if (/(_at|_time)$/.test(name) && values.every((v) => typeof v === "string" && !Number.isNaN(Date.parse(v))))
      return "time";
    if (values.length > 0 && values.every((v) => typeof v === "boolean" || !/\s/.test(String(v)))) return "token";
    return "text";
  });
}

/** Column names for people: `first_seen_at` → "first seen at" (wraps at spaces). */
export const columnLabel = (c: string) => c.replace(/_/g, " ");

/** A cell as people read it: numbers with thousands separators. */
export function cellText(v: Cell, kind: ColumnKind): string {
  if (v === null) return "";
  if (typeof v === "number" && kind === "number")
    return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return String(v);
}

export const formatCount = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "row" : "rows"}`;

export async function renderJson(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  await sink.write(`{"report":${JSON.stringify(metaJson(meta))},"sections":[`);
  for (const [i, s] of sections.entries()) {
    await onSection(i, s);
    const extra = {
      ...(s.kinds ? { kinds: s.kinds } : {}),
      ...(s.controls ? { controls: s.controls } : {}),
      ...(s.lead ? { lead: s.lead } : {}),
      ...(s.appendix ? { appendix: true } : {}),
    };
    const extraJson = Object.keys(extra).length > 0 ? `,${JSON.stringify(extra).slice(1, -1)}` : "";
    await sink.write(
      `${i === 0 ? "" : ","}{"id":${JSON.stringify(s.id)},"title":${JSON.stringify(s.title)},"description":${JSON.stringify(s.description)}${extraJson},"columns":${JSON.stringify(s.columns)},"rows":[`,
    );
    let n = 0;
    let buf = "";
    for await (const row of s.rows) {
      buf += `${n === 0 ? "" : ","}${JSON.stringify(row)}`;
      n++;
      if (buf.length >= 32 * 1024) {
        await sink.write(buf);
        buf = "";
      }
    }
    await sink.write(`${buf}],"summary":${JSON.stringify(s.summary ?? {})}}`);
  }
  await sink.write("]}\n");
}

/** Called before each section is rendered (progress). */
export type OnSection = (index: number, section: ReportSection) => Promise<void>;

export type Renderer = (
  meta: ReportMeta,
  sections: ReportSection[],
  sink: ReportSink,
  onSection: OnSection,
) => Promise<void>;
