// Domain types of compliance reports.

/**
 * `csv` is a ZIP of one CSV per section; `evidence` is a ZIP with the report as PDF and JSON, the
 * CSVs, the catalog in force, the audit chain head, the control mapping and a SHA-256 manifest.
 */
export const REPORT_FORMATS = ["json", "csv", "html", "pdf", "evidence"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_STATUSES = ["queued", "running", "ready", "failed"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export type ReportScope = { kind: "organization" } | { kind: "ou"; id: string } | { kind: "account"; id: string };

export interface ReportOptions {
  /** JSON and CSV: also list every invocation of the period (streamed). */
  includeEvents?: boolean;
}

export interface ReportRequest {
  from: Date;
  to: Date;
  scope: ReportScope;
  format: ReportFormat;
  options: ReportOptions;
  /** Set when a report schedule requested it (its recipients receive the report). */
  scheduleId?: string;
}

export interface Report {
  id: string;
  format: ReportFormat;
  status: ReportStatus;
  from: Date;
  to: Date;
  scope: ReportScope;
  options: ReportOptions;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
  progress: number;
  stage: string;
  sizeBytes: number;
  error: string | null;
  /** SHA-256 (hex) of the stored bytes once ready (anchored in the audit log as report.sign). */
  sha256: string | null;
  /** The report schedule that requested it, if any. */
  scheduleId: string | null;
}

export type Cell = string | number | boolean | null;

/** A control a section is evidence for (from the versioned mapping file `compliance/control-mapping.yaml`). */
export interface ControlRef {
  /** e.g. "ISO/IEC 42001:2023 Annex A", "NIST AI RMF 1.0", "EU AI Act", "SOC 2 (2017 TSC)". */
  framework: string;
  /** e.g. "A.6.2.8", "MANAGE 4.1", "Art. 26(6)", "CC6.1". */
  id: string;
  title: string;
}

/**
 * How a column's values read. Renderers for people never break a `token` (ids, ARNs, model ids)
 * or a `time` mid-token: they wrap text at spaces and give tokens the room they need.
 */
export type ColumnKind = "text" | "token" | "time" | "number";

/** One part of a report: a table whose rows may be streamed, and a few summary figures. */
export interface ReportSection {
  id: string;
  title: string;
  description: string;
  columns: readonly string[];
  /** Per column, in the order of `columns`; a missing entry is "text". */
  kinds?: readonly ColumnKind[];
  /** The controls this section evidences. */
  controls?: readonly ControlRef[];
  /** Sentences shown above the table in HTML and PDF and kept in JSON (e.g. what needs attention). */
  lead?: readonly string[];
  /** Rendered after every other section in HTML and PDF (e.g. the JSON of remediation changes). */
  appendix?: boolean;
  rows: AsyncIterable<Cell[]>;
  /** For charts (HTML, PDF): label → value, in display order. */
  chart?: { label: string; data: ReadonlyArray<{ label: string; value: number }> };
  /** Filled while rows are rendered. */
  summary?: Record<string, Cell>;
}

export interface ReportMeta {
  id: string;
  title: string;
  generatedAt: Date;
  from: Date;
  to: Date;
  scope: ReportScope;
  /** Accounts in scope (undefined: the whole organization). */
  accountIds?: readonly string[];
}

/** Where a renderer writes: ordered, awaited writes (the job stores them as chunks). */
export interface ReportSink {
  write(data: string | Buffer): Promise<void>;
}
