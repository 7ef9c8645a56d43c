// CSV for spreadsheets: a ZIP with one CSV document per section, each with its own header row
// (RFC 4180), streamed row batch by row batch.
import { type OnSection, scopeText } from "./render.js";
import type { Cell, ReportMeta, ReportSection, ReportSink } from "./reports.types.js";
import { zipWriter } from "./zip-writer.js";

const CSV_BATCH = 100;

/**
 * Text a spreadsheet would read as a formula (OWASP "CSV Injection"): a cell starting with
 * `=`, `+`, `-`, `@`, tab or carriage return. Model ids, principal ARNs and error codes come from
 * CloudTrail and comments from requesters, so any of them may be hostile.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180). Text that would start a formula is neutralized as OWASP advises: a
 * single quote is put before it and the cell is quoted. Numbers are the service's own and are
 * written as they are, so negative numbers stay numbers.
 */
export function csvField(v: Cell): string {
  if (v === null) return "";
  if (typeof v !== "string") return String(v);
  if (FORMULA_START.test(v)) return `"'${v.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const csvLine = (cells: readonly Cell[]) => `${cells.map(csvField).join(",")}\r\n`;

/** One section as a CSV document: its header row, then every row. */
export async function writeCsvSection(s: ReportSection, out: ReportSink): Promise<void> {
  await out.write(csvLine(s.columns));
  let buf = "";
  let n = 0;
  for await (const row of s.rows) {
    buf += csvLine(row);
    if (++n % CSV_BATCH === 0) {
      await out.write(buf);
      buf = "";
    }
  }
  await out.write(buf);
}

export const csvPath = (s: ReportSection) => `${s.id.replace(/[^A-Za-z0-9_-]/g, "_")}.csv`;

/** The `csv` format: a ZIP of `<section>.csv`, one per section, in report order. */
export async function renderCsvZip(
  meta: ReportMeta,
  sections: ReportSection[],
  sink: ReportSink,
  onSection: OnSection,
) {
  const zip = zipWriter(sink, meta.generatedAt);
  for (const [i, s] of sections.entries()) {
    await onSection(i, s);
    await zip.add(csvPath(s), (out) => writeCsvSection(s, out));
  }
  await zip.end(
    `${meta.title}; period ${meta.from.toISOString()}/${meta.to.toISOString()}; scope ${scopeText(meta)}; report ${meta.id}`,
  );
}
