// Domain types of compliance reports.

export const REPORT_FORMATS = ["json", "csv", "html", "pdf"] as const;
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
}

export type Cell = string | number | boolean | null;

/** One part of a report: a table whose rows may be streamed, and a few summary figures. */
export interface ReportSection {
  id: string;
  title: string;
  description: string;
  columns: readonly string[];
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
