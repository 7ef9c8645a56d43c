// PDF for people: landscape A4, a running header (title, period, scope, section) and "Page X of Y"
// on every page, every row of every section, each section's row count in its heading, the
// controls it evidences, lead sentences, and an appendix after the body.
//
// Pages are written as they fill (memory holds one page), so the page total and a section's row
// count are not known when they are drawn: each is a small form XObject drawn where it belongs
// and written once known (PDF objects may come later in the file than the pages using them).
import PDFDocument from "pdfkit";
import { cellLines, drawRowLines, type Line, layoutTable, measurer, rowHeight, type TableLayout } from "./pdf-table.js";
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
import type { Cell, ReportMeta, ReportSection, ReportSink } from "./reports.types.js";

const SAMPLE_ROWS = 200;
const MARGIN = { top: 46, bottom: 40, left: 36, right: 36 };

type Doc = PDFKit.PDFDocument;
/** pdfkit's internals used here: the current font's object reference, and page resources. */
type FontInternals = { _font: { ref(): unknown } };
type PageInternals = { xobjects: Record<string, unknown> };

/** Text written after the pages showing it: a form XObject filled in by `fill`. */
function lateText(doc: Doc, name: string, font: "Helvetica" | "Helvetica-Bold", size: number) {
  doc.font(font);
  const ref = doc.ref({
    Type: "XObject",
    Subtype: "Form",
    BBox: [0, -size, 400, size * 2],
    Resources: { Font: { F: (doc as unknown as FontInternals)._font.ref() } },
  });
  return {
    /** Draws it with its baseline at y (pdfkit's top-down coordinates). */
    place(x: number, baseline: number, color: string) {
      (doc.page as unknown as PageInternals).xobjects[name] = ref;
      doc.fillColor(color);
      doc.addContent(`q 1 0 0 -1 ${x.toFixed(2)} ${baseline.toFixed(2)} cm /${name} Do Q`);
    },
    fill(text: string) {
      ref.end(`BT /F ${size} Tf 0 0 Td <${Buffer.from(text, "latin1").toString("hex")}> Tj ET`);
    },
  };
}

const baselineOf = (top: number, size: number) => top + (718 / 1000) * size; // Helvetica ascender

export async function renderPdf(meta: ReportMeta, sections: ReportSection[], sink: ReportSink, onSection: OnSection) {
  const doc = new PDFDocument({
    size: "A4",
    layout: "landscape",
    margins: MARGIN,
    info: { Title: meta.title, Subject: `${periodText(meta)}, ${scopeText(meta)}`, Creator: "bedrock-governor" },
    displayTitle: true,
  });
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
  const left = MARGIN.left;
  const width = doc.page.width - MARGIN.left - MARGIN.right;
  const bottom = () => doc.page.height - MARGIN.bottom;
  const total = lateText(doc, "PageTotal", "Helvetica", 7.5);
  let pageNo = 0;
  let current = "";

  const runningHeaderAndFooter = () => {
    pageNo++;
    const { x, y } = doc;
    const right = doc.page.width - MARGIN.right;
    doc.font("Helvetica-Bold").fontSize(7.5).fillColor("#1b1f24");
    doc.text(meta.title, left, 20, { lineBreak: false });
    const titleW = doc.widthOfString(meta.title);
    doc.font("Helvetica").fillColor("#57606a");
    if (current) doc.text(`  ·  ${current}`, left + titleW, 20, { lineBreak: false });
    const scope = `Period ${periodText(meta)}  ·  Scope ${scopeText(meta)}`;
    doc.text(scope, right - doc.widthOfString(scope), 20, { lineBreak: false });
    doc.moveTo(left, 31).lineTo(right, 31).lineWidth(0.5).strokeColor("#8c959f").stroke();
    const footY = doc.page.height - 26;
    doc.fillColor("#57606a").text(`Report ${meta.id}  ·  generated ${meta.generatedAt.toISOString()}`, left, footY, {
      lineBreak: false,
    });
    // "Page X of " then the total; laid out for a total as long as X.
    const label = `Page ${pageNo} of`;
    const start = right - doc.widthOfString(`${label} ${"0".repeat(Math.max(2, String(pageNo).length))}`);
    doc.text(label, start, footY, { lineBreak: false });
    total.place(start + doc.widthOfString(label), baselineOf(footY, 7.5), "#57606a");
    doc.fillColor("#1b1f24");
    doc.x = x;
    doc.y = y;
  };
  doc.on("pageAdded", () => {
    runningHeaderAndFooter();
    doc.x = left;
    doc.y = MARGIN.top;
  });
  runningHeaderAndFooter();

  doc
    .font("Helvetica-Bold")
    .fontSize(18)
    .fillColor("#1b1f24")
    .text(meta.title, left, MARGIN.top + 4);
  doc.font("Helvetica").fontSize(10).moveDown(0.3);
  doc.text(`Period: ${periodText(meta)}`);
  doc.text(`Scope: ${scopeText(meta)}`);
  doc.text(`Generated: ${meta.generatedAt.toISOString()}    Report id: ${meta.id}`);

  const ordered = readingOrder(sections);
  for (const [i, s] of ordered.entries()) {
    await onSection(i, s);
    await chain;
    if (s.appendix && (i === 0 || !ordered[i - 1]?.appendix)) {
      current = "Appendix";
      doc.addPage();
      doc.font("Helvetica-Bold").fontSize(16).fillColor("#1b1f24").text("Appendix", left, doc.y);
      doc.moveDown(0.3);
    }
    await renderSection(doc, s, i, { left, width, bottom, settle: () => chain }, (title) => {
      current = title;
    });
    await chain;
    if (failed) break;
  }
  total.fill(` ${pageNo}`); // the space is the form's, so text extraction reads "of 12"
  doc.end();
  await ended;
  await chain;
  if (failed) throw failed;
}

async function renderSection(
  doc: Doc,
  s: ReportSection,
  index: number,
  page: { left: number; width: number; bottom: () => number; settle: () => Promise<void> },
  onTitle: (t: string) => void,
) {
  const { left, width, bottom } = page;
  if (doc.y > bottom() - 110) doc.addPage();
  onTitle(s.title);
  doc.moveDown(0.8);
  const headTop = doc.y;
  doc.font("Helvetica-Bold").fontSize(13).fillColor("#1b1f24").text(s.title, left, headTop, { lineBreak: false });
  const count = lateText(doc, `Rows${index}`, "Helvetica", 9);
  doc.font("Helvetica-Bold").fontSize(13);
  count.place(left + doc.widthOfString(s.title) + 4, baselineOf(headTop, 13), "#57606a");
  doc.x = left;
  doc.y = headTop + 17;
  doc.font("Helvetica").fontSize(8).fillColor("#57606a").text(s.description, left, doc.y, { width });
  const controls = controlsLine(s);
  if (controls) {
    doc.moveDown(0.2);
    doc.font("Helvetica-Oblique").fontSize(8).fillColor("#1f4f86").text(controls, left, doc.y, { width });
  }
  if (s.lead && s.lead.length > 0) {
    doc.moveDown(0.3).font("Helvetica").fontSize(9.5).fillColor("#1b1f24");
    for (const l of s.lead) doc.text(l, left, doc.y, { width, paragraphGap: 2 });
  }
  doc.fillColor("#1b1f24").moveDown(0.4);
  if (s.chart && s.chart.data.length > 0) drawBars(doc, s.chart, left, width);

  const it = s.rows[Symbol.asyncIterator]();
  const sample: Cell[][] = [];
  let next = await it.next();
  while (!next.done && sample.length < SAMPLE_ROWS) {
    sample.push(next.value);
    next = await it.next();
  }
  const kinds = columnKinds(s, sample);
  const layout = layoutTable(doc, s.columns, kinds, sample, left, width);
  doc.font("Helvetica-Bold").fontSize(layout.fontSize);
  const headerLines = s.columns.map((c, k) =>
    cellLines(measurer(doc), columnLabel(c), "text", (layout.widths[k] ?? 0) - 6),
  );
  const drawHeader = () =>
    drawRowLines(doc, layout, headerLines, 0, Math.max(...headerLines.map((l) => l.length)), true);
  if (doc.y + 2 * rowHeight(layout, headerLines) > bottom()) doc.addPage();
  drawHeader();

  doc.font("Helvetica").fontSize(layout.fontSize);
  const measure = measurer(doc);
  let n = 0;
  const draw = (row: readonly Cell[]) => {
    doc.font("Helvetica").fontSize(layout.fontSize);
    const lines = row.map((c, k) =>
      cellLines(
        measure,
        cellText(c, layout.kinds[k] ?? "text"),
        layout.kinds[k] ?? "text",
        (layout.widths[k] ?? 0) - 6,
      ),
    );
    drawRow(doc, layout, lines, bottom, drawHeader);
    n++;
  };
  for (const row of sample) draw(row);
  sample.length = 0;
  for (; !next.done; next = await it.next()) {
    draw(next.value);
    if (n % 50 === 0) await page.settle(); // the sink keeps up: pages are not queued in memory
  }
  if (n === 0) {
    doc
      .font("Helvetica")
      .fontSize(8)
      .fillColor("#57606a")
      .text("None in this period.", left, doc.y + 3, { width });
    doc.fillColor("#1b1f24");
  }
  count.fill(`  (${formatCount(n)})`);
}

/** A row whole on this page, else on the next (header repeated); taller than a page, it continues. */
function drawRow(doc: Doc, layout: TableLayout, lines: Line[][], bottom: () => number, header: () => void) {
  const total = Math.max(1, ...lines.map((l) => l.length));
  const h = rowHeight(layout, lines);
  if (doc.y + h > bottom()) {
    doc.addPage();
    header();
  }
  let from = 0;
  while (from < total) {
    const fit = Math.max(1, Math.floor((bottom() - doc.y - 4) / layout.lineHeight));
    const count = Math.min(fit, total - from);
    drawRowLines(doc, layout, lines, from, count, false);
    from += count;
    if (from < total) {
      doc.addPage();
      header();
    }
  }
}

function drawBars(doc: Doc, chart: NonNullable<ReportSection["chart"]>, left: number, width: number) {
  const max = Math.max(...chart.data.map((d) => d.value), 1);
  const labelW = 230;
  const barH = 10;
  if (doc.y + chart.data.length * (barH + 3) + 20 > doc.page.height - MARGIN.bottom) doc.addPage();
  doc.font("Helvetica-Bold").fontSize(8).fillColor("#1b1f24").text(chart.label, left, doc.y);
  let y = doc.y + 2;
  doc.font("Helvetica").fontSize(7);
  for (const d of chart.data) {
    const w = Math.max(1, ((width - labelW - 60) * d.value) / max);
    const label = d.label.length > 60 ? `${d.label.slice(0, 59)}…` : d.label;
    doc.fillColor("#1b1f24").text(label, left + labelW - 6 - doc.widthOfString(label), y + 1.5, { lineBreak: false });
    doc.rect(left + labelW, y, w, barH).fill("#2f6db5");
    doc
      .fillColor("#1b1f24")
      .text(d.value.toLocaleString("en-US"), left + labelW + w + 4, y + 1.5, { lineBreak: false });
    y += barH + 3;
  }
  doc.x = left;
  doc.y = y + 8;
}
