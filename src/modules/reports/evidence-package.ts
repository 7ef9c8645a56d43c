// The evidence package an auditor files: one ZIP with the report (PDF for reading, JSON for
// tools), one CSV per section, the catalog in force when it was generated, the audit chain head,
// the control mapping, and a manifest of every file's SHA-256 and size (computed as it streams).
// Sections are read once per file (each file builds them anew), so nothing is buffered whole.

import { metaJson, renderJson } from "./render.js";
import { csvPath, writeCsvSection } from "./render-csv.js";
import { renderPdf } from "./render-pdf.js";
import type { ReportMeta, ReportSection, ReportSink } from "./reports.types.js";
import { type ZippedFile, zipWriter } from "./zip-writer.js";

/** What the package holds besides the report itself, read when it is generated. */
export interface EvidenceSources {
  /** The catalog in force, as the YAML document teams keep in git. */
  catalogYaml(): Promise<string>;
  /** The tamper-evident audit log's chain head (signed when a key is configured). */
  auditHead(): Promise<unknown>;
  /** The versioned control mapping, when the installation has one. */
  controlMapping(): Promise<string | undefined>;
}

/** Progress: the fraction done (0–1) and the stage (file and section). */
export type OnProgress = (done: number, stage: string) => Promise<void>;

export const MANIFEST_PATH = "manifest.json";

export async function renderEvidence(
  meta: ReportMeta,
  build: (withEvents: boolean) => Promise<ReportSection[]>,
  sources: EvidenceSources,
  sink: ReportSink,
  onProgress: OnProgress,
): Promise<void> {
  const zip = zipWriter(sink, meta.generatedAt);
  const files: ZippedFile[] = [];
  const text = (s: string) => async (out: ReportSink) => out.write(s);

  const pdf = await build(false);
  files.push(
    await zip.add("report.pdf", (out) =>
      renderPdf(meta, pdf, out, (i, s) => onProgress((0.4 * i) / pdf.length, `report.pdf ${s.id}`)),
    ),
  );
  const json = await build(true);
  files.push(
    await zip.add("report.json", (out) =>
      renderJson(meta, json, out, (i, s) => onProgress(0.4 + (0.3 * i) / json.length, `report.json ${s.id}`)),
    ),
  );
  const csv = await build(true);
  for (const [i, s] of csv.entries()) {
    await onProgress(0.7 + (0.25 * i) / csv.length, `csv ${s.id}`);
    files.push(await zip.add(`csv/${csvPath(s)}`, (out) => writeCsvSection(s, out)));
  }
  await onProgress(0.95, "catalog and audit head");
  files.push(await zip.add("catalog.yaml", text(await sources.catalogYaml())));
  files.push(await zip.add("audit-head.json", text(`${JSON.stringify(await sources.auditHead(), null, 2)}\n`)));
  const mapping = await sources.controlMapping();
  if (mapping !== undefined) files.push(await zip.add("control-mapping.yaml", text(mapping)));

  const manifest = {
    report: metaJson(meta),
    algorithm: "sha256",
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
  };
  await zip.add(MANIFEST_PATH, text(`${JSON.stringify(manifest, null, 2)}\n`));
  await zip.end(`Evidence package of report ${meta.id}; see ${MANIFEST_PATH}`);
}
