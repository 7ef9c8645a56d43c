// One entry point for every format: builds the sections (anew for each file of a package) and
// hands them to the format's renderer, reporting progress.
import { type EvidenceSources, type OnProgress, renderEvidence } from "./evidence-package.js";
import { type Renderer, renderJson } from "./render.js";
import { renderCsvZip } from "./render-csv.js";
import { renderHtml } from "./render-html.js";
import { renderPdf } from "./render-pdf.js";
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

const RENDERERS: Record<Exclude<ReportFormat, "evidence">, Renderer> = {
  json: renderJson,
  csv: renderCsvZip,
  html: renderHtml,
  pdf: renderPdf,
};

export async function renderReport(
  format: ReportFormat,
  meta: ReportMeta,
  build: (withEvents: boolean) => Promise<ReportSection[]>,
  sources: EvidenceSources,
  sink: ReportSink,
  onProgress: OnProgress,
): Promise<void> {
  if (format === "evidence") return renderEvidence(meta, build, sources, sink, onProgress);
  const sections = await build(true);
  await RENDERERS[format](meta, sections, sink, (i, s) => onProgress(i / sections.length, s.id));
}
