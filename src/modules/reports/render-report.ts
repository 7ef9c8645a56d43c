// One entry point for every format: builds the sections (anew for each file of a package) and
// hands them to the format's renderer, reporting progress.
import type { EvidenceSources, OnProgress } from "./evidence-package.js";
import type { Renderer } from "./render.js";
import type { ReportFormat, ReportMeta, ReportSection, ReportSink } from "./reports.types.js";

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: "application/json; charset=utf-8",
  csv: "application/zip",
  html: "text/html; charset=utf-8",
  pdf: "application/pdf",
  evidence: "application/zip",
};

/** The downloaded file's name ends so (a CSV report is a ZIP of one CSV per section). */
export const FILE_SUFFIXES: Record<ReportFormat, string> = {
  json: ".json",
  csv: "-csv.zip",
  html: ".html",
  pdf: ".pdf",
  evidence: "-evidence.zip",
};

/** Each renderer is imported when a report of its format is rendered (PDF's library is large). */
const RENDERERS: Record<Exclude<ReportFormat, "evidence">, () => Promise<Renderer>> = {
  json: async () => (await import("./render.js")).renderJson,
  csv: async () => (await import("./render-csv.js")).renderCsvZip,
  html: async () => (await import("./render-html.js")).renderHtml,
  pdf: async () => (await import("./render-pdf.js")).renderPdf,
};

export async function renderReport(
  format: ReportFormat,
  meta: ReportMeta,
  build: (withEvents: boolean) => Promise<ReportSection[]>,
  sources: EvidenceSources,
  sink: ReportSink,
  onProgress: OnProgress,
): Promise<void> {
  if (format === "evidence")
    return (await import("./evidence-package.js")).renderEvidence(meta, build, sources, sink, onProgress);
  const render = await RENDERERS[format]();
  const sections = await build(true);
  await render(meta, sections, sink, (i, s) => onProgress(i / sections.length, s.id));
}
