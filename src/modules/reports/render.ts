// Report renderers. Each takes the sections (rows streamed) and writes to a sink as it goes, so
// memory holds one batch of rows whatever the report's size. JSON and CSV carry every row; HTML
// and PDF are for people: they show the first rows of each section (counting the rest) and charts.
import PDFDocument from "pdfkit";
import type { Cell, ReportMeta, ReportSection, ReportSink } from "./reports.types.js";

const CSV_BATCH = 100;
/** Rows per section shown in HTML and PDF; the full data is in JSON and CSV. */
export const DISPLAY_ROWS = { html: 1000, pdf: 300 } as const;

const scopeText = (m: ReportMeta) =>
  m.scope.kind === "organization" ? "organization" : `${m.scope.kind} ${m.scope.id}`;

function metaJson(m: ReportMeta) {
  return {
    id: m.id,
    title: m.title,
    generatedAt: m.generatedAt.toISOString(),
    period: { from: m.from.toISOString(), to: m.to.toISOString() },
    scope: m.scope,
    ...(m.accountIds ? { accounts: m.accountIds.length } : {}),
  };
}

export async function renderJson(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  await sink.write(`{"report":${JSON.stringify(metaJson(meta))},"sections":[`);
  for (const [i, s] of sections.entries()) {
    await onSection(i, s);
    await sink.write(
      `${i === 0 ? "" : ","}{"id":${JSON.stringify(s.id)},"title":${JSON.stringify(s.title)},"description":${JSON.stringify(s.description)},"columns":${JSON.stringify(s.columns)},"rows":[`,
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

/** One CSV document: a `section` column, then each section's header row and its rows. */
export async function renderCsv(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  await sink.write(
    csvLine(["report", meta.title, `${meta.from.toISOString()}/${meta.to.toISOString()}`, scopeText(meta)]),
  );
  for (const [i, s] of sections.entries()) {
    await onSection(i, s);
    await sink.write(csvLine(["section", ...s.columns]));
    let buf = "";
    let n = 0;
    for await (const row of s.rows) {
      buf += csvLine([s.id, ...row]);
      if (++n % CSV_BATCH === 0) {
        await sink.write(buf);
        buf = "";
      }
    }
    await sink.write(buf);
  }
}

const esc = (v: Cell): string =>
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
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#1b1f24}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:11px;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:3px 5px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f3f5f8}.note{color:#57606a;font-size:12px}.meta td{border:none;padding:1px 8px 1px 0}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}@page{size:A4 landscape;margin:12mm}}`;

export async function renderHtml(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  await sink.write(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(meta.title)}</title><style>${HTML_STYLE}</style></head><body>` +
      `<h1>${esc(meta.title)}</h1><table class="meta"><tr><td>Period</td><td>${esc(meta.from.toISOString())} – ${esc(meta.to.toISOString())}</td></tr>` +
      `<tr><td>Scope</td><td>${esc(scopeText(meta))}</td></tr><tr><td>Generated</td><td>${esc(meta.generatedAt.toISOString())}</td></tr>` +
      `<tr><td>Report id</td><td>${esc(meta.id)}</td></tr></table>`,
  );
  for (const [i, s] of sections.entries()) {
    await onSection(i, s);
    await sink.write(
      `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2><p class="note">${esc(s.description)}</p>${s.chart ? barChartSvg(s.chart) : ""}<table><thead><tr>${s.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>`,
    );
    let n = 0;
    let buf = "";
    for await (const row of s.rows) {
      if (n++ >= DISPLAY_ROWS.html) continue; // drained for the count
      buf += `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
      if (buf.length > 128 * 1024) {
        await sink.write(buf);
        buf = "";
      }
    }
    const more =
      n > DISPLAY_ROWS.html ? `<p class="note">${n - DISPLAY_ROWS.html} more rows in the CSV or JSON report.</p>` : "";
    const none = n === 0 ? `<tr><td colspan="${s.columns.length}">None in this period.</td></tr>` : "";
    await sink.write(`${buf}${none}</tbody></table>${more}<p class="note">${n} row(s)</p></section>`);
  }
  await sink.write("</body></html>\n");
}

export async function renderPdf(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  const doc = new PDFDocument({ size: "A4", layout: "landscape", margin: 36, info: { Title: meta.title } });
  // pdfkit emits synchronously; writes are chained so they reach the sink in order.
  let chain: Promise<void> = Promise.resolve();
  let failed: unknown;
  doc.on("data", (b: Buffer) => {
    chain = chain
      .then(() => sink.write(b))
      .catch((err) => {
        failed = err;
      });
  });
  const ended = new Promise<void>((resolve) => doc.on("end", resolve));
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  doc.font("Helvetica-Bold").fontSize(18).text(meta.title);
  doc.font("Helvetica").fontSize(10).moveDown(0.3);
  doc.text(`Period: ${meta.from.toISOString()} – ${meta.to.toISOString()}`);
  doc.text(`Scope: ${scopeText(meta)}`);
  doc.text(`Generated: ${meta.generatedAt.toISOString()}   Report id: ${meta.id}`);

  for (const [i, s] of sections.entries()) {
    await onSection(i, s);
    await chain;
    if (doc.y > bottom() - 80) doc.addPage();
    doc.moveDown(1).font("Helvetica-Bold").fontSize(13).text(s.title, left, doc.y, { width });
    doc.font("Helvetica").fontSize(8).fillColor("#555").text(s.description, { width }).fillColor("black");
    doc.moveDown(0.4);
    if (s.chart && s.chart.data.length > 0) drawBars(doc, s.chart, left, width);
    const colW = width / s.columns.length;
    const drawRow = (cells: readonly Cell[], bold: boolean) => {
      doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(6.5);
      const texts = cells.map((c) => (c === null ? "" : String(c)).slice(0, 400));
      const h = Math.max(...texts.map((t) => doc.heightOfString(t || " ", { width: colW - 4 }))) + 3;
      if (doc.y + h > bottom()) doc.addPage();
      const y = doc.y;
      texts.forEach((t, k) => {
        doc.text(t, left + k * colW + 2, y, { width: colW - 4 });
      });
      doc.x = left;
      doc.y = y + h;
    };
    drawRow(s.columns, true);
    let n = 0;
    for await (const row of s.rows) {
      if (n++ >= DISPLAY_ROWS.pdf) continue;
      drawRow(row, false);
      if (n % 50 === 0) await chain;
    }
    doc.font("Helvetica").fontSize(8).fillColor("#555");
    if (n === 0) doc.text("None in this period.", left, doc.y, { width });
    else if (n > DISPLAY_ROWS.pdf)
      doc.text(`${n - DISPLAY_ROWS.pdf} more rows in the CSV or JSON report.`, left, doc.y, { width });
    doc.fillColor("black");
  }
  doc.end();
  await ended;
  await chain;
  if (failed) throw failed;
}

function drawBars(doc: PDFKit.PDFDocument, chart: NonNullable<ReportSection["chart"]>, left: number, width: number) {
  const max = Math.max(...chart.data.map((d) => d.value), 1);
  const labelW = 230;
  const barH = 10;
  if (doc.y + chart.data.length * (barH + 3) + 20 > doc.page.height - doc.page.margins.bottom) doc.addPage();
  doc.font("Helvetica-Bold").fontSize(8).text(chart.label, left, doc.y);
  let y = doc.y + 2;
  doc.font("Helvetica").fontSize(7);
  for (const d of chart.data) {
    const w = Math.max(1, ((width - labelW - 60) * d.value) / max);
    doc.fillColor("black").text(d.label.slice(0, 60), left, y + 1, { width: labelW - 6, lineBreak: false });
    doc.rect(left + labelW, y, w, barH).fill("#2f6db5");
    doc.fillColor("black").text(String(d.value), left + labelW + w + 4, y + 1, { lineBreak: false });
    y += barH + 3;
  }
  doc.x = left;
  doc.y = y + 6;
}

/** Called before each section is rendered (progress). */
export type OnSection = (index: number, section: ReportSection) => Promise<void>;

export const CONTENT_TYPES = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  html: "text/html; charset=utf-8",
  pdf: "application/pdf",
} as const;

export const RENDERERS = { json: renderJson, csv: renderCsv, html: renderHtml, pdf: renderPdf } as const;
