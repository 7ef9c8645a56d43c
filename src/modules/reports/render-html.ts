// HTML for people on screen (and the browser's print): every row of every section, the row count
// of each, the controls it evidences, lead sentences, charts, and an appendix after the body.
// Ids, ARNs and timestamps never wrap; text wraps at spaces.

import {
  cellText,
  columnKinds,
  columnLabel,
  controlsLine,
  formatCount,
  type OnSection,
  periodText,
  readingOrder,
  scopeText,
} from "./render.js";
import type { Cell, ColumnKind, ReportMeta, ReportSection, ReportSink } from "./reports.types.js";

const SAMPLE_ROWS = 200;

export const esc = (v: Cell): string =>
  v === null
    ? ""
    : String(v).replace(
        /[&<>"']/g,
        (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
      );

/** Horizontal bar chart as inline SVG (no external assets, prints as vectors). */
export function barChartSvg(chart: NonNullable<ReportSection["chart"]>): string {
  const rows = chart.data;
  if (rows.length === 0) return "";
  const max = Math.max(...rows.map((r) => r.value), 1);
  const barH = 18;
  const labelW = 300;
  const width = 760;
  const height = rows.length * (barH + 6) + 28;
  const bars = rows
    .map((r, i) => {
      const y = 24 + i * (barH + 6);
      const w = Math.max(1, Math.round(((width - labelW - 80) * r.value) / max));
      return `<text x="${labelW - 6}" y="${y + 13}" text-anchor="end" font-size="11">${esc(r.label.length > 48 ? `${r.label.slice(0, 47)}…` : r.label)}</text><rect x="${labelW}" y="${y}" width="${w}" height="${barH}" fill="#2f6db5"/><text x="${labelW + w + 6}" y="${y + 13}" font-size="11">${r.value}</text>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(chart.label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><text x="0" y="14" font-size="13" font-weight="bold">${esc(chart.label)}</text>${bars}</svg>`;
}

const HTML_STYLE = `
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1b1f24;line-height:1.35}
header.run{position:sticky;top:0;background:#fff;border-bottom:1px solid #d0d7de;padding:4px 0;font-size:11px;color:#57606a;display:flex;justify-content:space-between;gap:16px;z-index:1}
h1{font-size:22px;margin:12px 0 4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccd;padding-bottom:4px}
h2 .count{font-weight:normal;color:#57606a;font-size:13px;margin-left:8px}
h1.appendix{margin-top:40px;border-top:2px solid #1b1f24;padding-top:12px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:11px;margin:8px 0;min-width:60%}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f8;white-space:normal}
td.token,td.time{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:10.5px}
td.number{white-space:nowrap;text-align:right;font-variant-numeric:tabular-nums}
td.text{white-space:pre-wrap;overflow-wrap:normal;word-break:normal;min-width:12ch;max-width:60ch}
.note{color:#57606a;font-size:12px}.controls{font-size:12px;color:#1b1f24;background:#f6f8fa;border-left:3px solid #2f6db5;padding:4px 8px}
.lead{font-size:13px}.meta td{border:none;padding:1px 8px 1px 0}
@media print{body{margin:0}header.run{position:static}.table-wrap{overflow:visible}h2{break-after:avoid}tr{break-inside:avoid}@page{size:A4 landscape;margin:12mm}}`;

function sectionHead(s: ReportSection): string {
  const controls = controlsLine(s);
  return (
    `<section id="${esc(s.id)}"><h2>${esc(s.title)}<span class="count" id="count-${esc(s.id)}"></span></h2>` +
    `<p class="note">${esc(s.description)}</p>` +
    (controls ? `<p class="controls">${esc(controls)}</p>` : "") +
    (s.lead ?? []).map((l) => `<p class="lead">${esc(l)}</p>`).join("") +
    (s.chart ? barChartSvg(s.chart) : "")
  );
}

const rowHtml = (row: readonly Cell[], kinds: readonly ColumnKind[]) =>
  `<tr>${row.map((c, k) => `<td class="${kinds[k] ?? "text"}">${esc(cellText(c, kinds[k] ?? "text"))}</td>`).join("")}</tr>`;

export async function renderHtml(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  await sink.write(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(meta.title)}</title><style>${HTML_STYLE}</style></head><body>` +
      `<header class="run"><span>${esc(meta.title)}</span><span>Period ${esc(periodText(meta))} · Scope ${esc(scopeText(meta))}</span></header>` +
      `<h1>${esc(meta.title)}</h1><table class="meta"><tr><td>Period</td><td>${esc(periodText(meta))}</td></tr>` +
      `<tr><td>Scope</td><td>${esc(scopeText(meta))}</td></tr><tr><td>Generated</td><td>${esc(meta.generatedAt.toISOString())}</td></tr>` +
      `<tr><td>Report id</td><td>${esc(meta.id)}</td></tr></table>`,
  );
  let inAppendix = false;
  for (const [i, s] of readingOrder(sections).entries()) {
    await onSection(i, s);
    if (s.appendix && !inAppendix) {
      inAppendix = true;
      await sink.write(`<h1 class="appendix" id="appendix">Appendix</h1>`);
    }
    await sink.write(sectionHead(s));
    // The first rows tell the kinds of columns a section did not declare.
    const it = s.rows[Symbol.asyncIterator]();
    const sample: Cell[][] = [];
    let next = await it.next();
    while (!next.done && sample.length < SAMPLE_ROWS) {
      sample.push(next.value);
      next = await it.next();
    }
    const kinds = columnKinds(s, sample);
    await sink.write(
      `<div class="table-wrap"><table><thead><tr>${s.columns.map((c) => `<th scope="col">${esc(columnLabel(c))}</th>`).join("")}</tr></thead><tbody>`,
    );
    let n = sample.length;
    let buf = sample.map((r) => rowHtml(r, kinds)).join("");
    for (; !next.done; next = await it.next()) {
      n++;
      buf += rowHtml(next.value, kinds);
      if (buf.length > 128 * 1024) {
        await sink.write(buf);
        buf = "";
      }
    }
    const none = n === 0 ? `<tr><td colspan="${s.columns.length}">None in this period.</td></tr>` : "";
    // The count is known once the rows are through: the heading shows it by a rule written now.
    await sink.write(
      `${buf}${none}</tbody></table></div><p class="note">${esc(s.title)}: ${formatCount(n)}.</p>` +
        `<style>#count-${esc(s.id)}::after{content:"${formatCount(n)}"}</style></section>`,
    );
  }
  await sink.write("</body></html>\n");
}
