// Tables in the PDF report: column widths from the columns' kinds and a sample of their values,
// and rows drawn whole. Tokens (ids, ARNs, model ids) and timestamps stay on one line, narrowed
// horizontally in the rare cell wider than its column; text wraps at spaces (and after commas in
// a longer run); a row taller than a page continues on the next.
import { cellText } from "./render.js";
import type { Cell, ColumnKind } from "./reports.types.js";

const BASE_SIZE = 7;
const MIN_SIZE = 5.5;
const COMFORT = 120;
const PAD = 3;
const VPAD = 1.6;
const TEXT_MAX = 300;

export interface TableLayout {
  x: number[];
  widths: number[];
  kinds: ColumnKind[];
  fontSize: number;
  lineHeight: number;
}

export interface Line {
  text: string;
  /** Its width unscaled. */
  width: number;
  /** Horizontal scaling in percent (100: none), so a token wider than its column stays whole. */
  scale: number;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

export function layoutTable(
  doc: PDFKit.PDFDocument,
  columns: readonly string[],
  kinds: readonly ColumnKind[],
  sample: readonly (readonly Cell[])[],
  left: number,
  width: number,
): TableLayout {
  doc.font("Helvetica-Bold").fontSize(BASE_SIZE);
  const headWord = columns.map((c) => Math.max(...words(c).map((w) => doc.widthOfString(w)), 0));
  doc.font("Helvetica").fontSize(BASE_SIZE);
  const need: number[] = [];
  const want: number[] = [];
  columns.forEach((_, k) => {
    const values = sample.map((r) => cellText(r[k] ?? null, kinds[k] ?? "text")).filter(Boolean);
    if ((kinds[k] ?? "text") === "text") {
      const longestWord = Math.max(0, ...values.flatMap(words).map((w) => Math.min(doc.widthOfString(w), 160)));
      const longest = Math.max(0, ...values.map((v) => doc.widthOfString(v)));
      need[k] = Math.max(longestWord, headWord[k] ?? 0, 40) + 2 * PAD;
      want[k] = Math.max(need[k] ?? 0, Math.min(longest + 2 * PAD, TEXT_MAX));
    } else {
      const longest = Math.max(0, ...values.map((v) => doc.widthOfString(v)));
      need[k] = Math.max(longest, headWord[k] ?? 0, 16) + 2 * PAD;
      want[k] = need[k] ?? 0;
    }
  });
  const sum = (ws: number[]) => ws.reduce((a, b) => a + b, 0);
  const isText = (k: number) => (kinds[k] ?? "text") === "text";
  // Text columns get room to be read (up to COMFORT wide) before the type gets smaller.
  let widths = need.map((w, k) => (isText(k) ? Math.max(w, Math.min(want[k] ?? 0, COMFORT)) : w));
  let wanted = [...want];
  let fontSize = BASE_SIZE;
  const total = sum(widths);
  if (total > width) {
    // Smaller type first, then narrower columns (whose widest tokens are then narrowed when drawn).
    fontSize = Math.max(MIN_SIZE, Math.floor(BASE_SIZE * (width / total) * 10) / 10);
    const f = fontSize / BASE_SIZE;
    widths = widths.map((w) => w * f);
    wanted = wanted.map((w) => w * f);
    const scaled = sum(widths);
    if (scaled > width) widths = widths.map((w) => (w * width) / scaled);
  }
  // Room left goes to text columns up to their longest value; the rest stays a right margin.
  const spare = width - sum(widths);
  const growth = widths.map((w, k) => (isText(k) ? Math.max(0, (wanted[k] ?? 0) - w) : 0));
  const grow = sum(growth);
  if (spare > 0 && grow > 0) widths = widths.map((w, k) => w + ((growth[k] ?? 0) * Math.min(spare, grow)) / grow);
  const x: number[] = [];
  let at = left;
  for (const w of widths) {
    x.push(at);
    at += w;
  }
  return { x, widths, kinds: [...kinds], fontSize, lineHeight: fontSize * 1.22 };
}

/** Text width in the font and size current when it was made; repeated values (ids, Regions) are cached. */
export type Measure = (text: string) => number;

export function measurer(doc: PDFKit.PDFDocument): Measure {
  const cache = new Map<string, number>();
  return (text) => {
    let w = cache.get(text);
    if (w === undefined) {
      w = doc.widthOfString(text);
      if (cache.size >= 20_000) cache.clear(); // bounded: a section of unique ids does not grow it
      cache.set(text, w);
    }
    return w;
  };
}

/** The lines of one cell in its column. */
export function cellLines(measure: Measure, text: string, kind: ColumnKind, avail: number): Line[] {
  const fitLine = (t: string, w = measure(t)): Line => ({
    text: t,
    width: w,
    scale: w > avail && w > 0 ? Math.max(1, Math.floor((100 * avail) / w)) : 100,
  });
  if (text === "") return [];
  if (kind !== "text") return [fitLine(text.replace(/\s+/g, " "))];
  const space = measure(" ");
  const lines: Line[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = "";
    let lineW = 0;
    // A run wider than the column (say compact JSON) may break after its commas, not elsewhere.
    const pieces = words(para).flatMap((w) =>
      measure(w) > avail
        ? w
            .split(/(?<=,)/)
            .filter(Boolean)
            .map((t, i) => ({ t, glue: i === 0 ? " " : "" }))
        : [{ t: w, glue: " " }],
    );
    for (const { t, glue } of pieces) {
      const w = measure(t);
      const joined = lineW + (glue ? space : 0) + w;
      if (line !== "" && joined > avail) {
        lines.push(fitLine(line, lineW));
        line = t;
        lineW = w;
      } else {
        line = line === "" ? t : `${line}${glue}${t}`;
        lineW = line === t ? w : joined;
      }
    }
    lines.push(fitLine(line, lineW));
  }
  return lines;
}

export const rowHeight = (layout: TableLayout, cells: readonly Line[][]) =>
  Math.max(1, ...cells.map((c) => c.length)) * layout.lineHeight + 2 * VPAD;

/**
 * Draws a row's lines [from, from + count) at doc.y: a header row is bold on a shaded band;
 * numbers are right-aligned.
 */
export function drawRowLines(
  doc: PDFKit.PDFDocument,
  layout: TableLayout,
  cells: readonly Line[][],
  from: number,
  count: number,
  header: boolean,
): void {
  const y = doc.y;
  const h = count * layout.lineHeight + 2 * VPAD;
  const left = layout.x[0] ?? 0;
  const right = (layout.x.at(-1) ?? 0) + (layout.widths.at(-1) ?? 0);
  if (header) doc.rect(left, y, right - left, h).fill("#e8edf3");
  doc
    .font(header ? "Helvetica-Bold" : "Helvetica")
    .fontSize(layout.fontSize)
    .fillColor("#1b1f24");
  cells.forEach((lines, k) => {
    const x0 = layout.x[k] ?? 0;
    const avail = (layout.widths[k] ?? 0) - 2 * PAD;
    lines.slice(from, from + count).forEach((line, j) => {
      const w = (line.width * line.scale) / 100;
      const x = layout.kinds[k] === "number" && !header ? x0 + PAD + Math.max(0, avail - w) : x0 + PAD;
      // horizontalScaling is pdfkit's (Tz), missing from @types/pdfkit.
      doc.text(line.text, x, y + VPAD + j * layout.lineHeight, {
        lineBreak: false,
        textWidth: w, // measured already: pdfkit need not measure again
        ...(line.scale < 100 ? { horizontalScaling: line.scale } : {}),
      } as PDFKit.Mixins.TextOptions);
    });
  });
  doc
    .moveTo(left, y + h)
    .lineTo(right, y + h)
    .lineWidth(0.4)
    .strokeColor(header ? "#8c959f" : "#d8dee4")
    .stroke();
  doc.x = left;
  doc.y = y + h;
}
