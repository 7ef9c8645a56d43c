// The renderers for people and spreadsheets on a report longer than a page: every row is in the
// PDF and the HTML (no "more rows" cut), each PDF page says "Page X of Y" under a running header,
// ids and timestamps are never broken across lines, and the CSV format is one file per section.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { extractText } from "unpdf";
import { describe, expect, it } from "vitest";
import { renderCsvZip } from "../../src/modules/reports/render-csv.js";
import { renderHtml } from "../../src/modules/reports/render-html.js";
import { renderPdf } from "../../src/modules/reports/render-pdf.js";
import type { Cell, ReportMeta, ReportSection, ReportSink } from "../../src/modules/reports/reports.types.js";
import { unzip } from "../helpers/zip.js";

const ROWS = 1500;
const meta: ReportMeta = {
  id: "0d6f5c3e-8a4b-4c1d-9e2f-3a4b5c6d7e8f",
  title: "Amazon Bedrock compliance report",
  generatedAt: new Date("2026-11-02T08:00:00.000Z"),
  from: new Date("2026-10-01T00:00:00.000Z"),
  to: new Date("2026-11-01T00:00:00.000Z"),
  scope: { kind: "organization" },
};
const eventId = (i: number) => `00000000-0000-4000-a000-${String(i).padStart(12, "0")}`;

async function* rows(n: number, row: (i: number) => Cell[]): AsyncGenerator<Cell[]> {
  for (let i = 0; i < n; i++) yield row(i);
}

function sections(): ReportSection[] {
  return [
    {
      id: "summary",
      title: "Executive summary",
      description: "What the period looked like.",
      lead: ["Three things need attention: an unreachable account, unapproved usage, and an old finding."],
      controls: [{ framework: "SOC 2 (2017 TSC)", id: "CC7.2", title: "Monitoring of system components" }],
      columns: ["kpi", "value", "previous"],
      kinds: ["text", "number", "number"],
      rows: rows(3, (i) => [`Indicator number ${i} with a longer label`, i * 1000, i]),
    },
    {
      id: "invocations",
      title: "Invocations",
      description: "Every invocation of the period.",
      controls: [
        { framework: "EU AI Act", id: "Art. 26(6)", title: "Deployer log keeping" },
        { framework: "ISO/IEC 42001:2023 Annex A", id: "A.6.2.8", title: "AI system recording of event logs" },
      ],
      columns: ["event_time", "event_id", "account_id", "region", "principal", "model_id", "error_code", "note"],
      kinds: ["time", "token", "token", "token", "token", "token", "token", "text"],
      rows: rows(ROWS, (i) => [
        new Date(meta.from.getTime() + i * 60_000).toISOString(),
        eventId(i),
        "210987654321",
        i % 2 ? "us-east-1" : "eu-central-1",
        `arn:aws:sts::210987654321:assumed-role/ApplicationRole${i % 7}/session-${i}`,
        i % 3 ? "amazon.nova-pro-v1:0" : "arn:aws:bedrock:us-east-1:210987654321:inference-profile/us.deepseek.r1-v1:0",
        i % 25 === 1 ? "AccessDeniedException" : null,
        i % 50 === 0 ? "A free-text note that is long enough to wrap over several lines of its column, at spaces." : "",
      ]),
    },
    {
      id: "remediation_changes",
      title: "Remediation changes (JSON)",
      description: "The policy documents each remediation wrote.",
      appendix: true,
      columns: ["target_id", "change"],
      kinds: ["token", "text"],
      rows: rows(2, (i) => [
        `scp-${i}`,
        JSON.stringify({ Statement: Array.from({ length: 30 }, (_, k) => ({ Sid: `S${k}`, Effect: "Deny" })) }),
      ]),
    },
  ];
}

function memorySink(): ReportSink & { bytes(): Buffer } {
  const parts: Buffer[] = [];
  return {
    async write(d) {
      parts.push(typeof d === "string" ? Buffer.from(d, "utf8") : d);
    },
    bytes: () => Buffer.concat(parts),
  };
}

const noProgress = async () => {};

describe("report renderers", () => {
  it("PDF: every row, row counts, Page X of Y and the running header on every page, tokens whole", async () => {
    const sink = memorySink();
    await renderPdf(meta, sections(), sink, noProgress);
    const pdf = sink.bytes();
    // To look at it: REPORT_PREVIEW_DIR=… writes the PDF there (then pdftoppm).
    if (process.env.REPORT_PREVIEW_DIR) writeFileSync(path.join(process.env.REPORT_PREVIEW_DIR, "report.pdf"), pdf);
    const { totalPages, text } = await extractText(new Uint8Array(pdf), { mergePages: false });
    expect(totalPages).toBeGreaterThan(10);
    text.forEach((page, i) => {
      // pdf.js reads the total (drawn once known) as its own text item.
      expect(page, `page ${i + 1}`).toMatch(new RegExp(`Page ${i + 1} of ?${totalPages}\\b`));
      expect(page, `page ${i + 1}`).toContain("Amazon Bedrock compliance report");
      expect(page, `page ${i + 1}`).toContain("Scope organization");
    });
    const all = text.join("\n");
    expect(all).not.toMatch(/more rows/i);
    expect(all).toMatch(/Invocations ?\(1,500 rows\)/);
    expect(all).toContain("Evidence for: EU AI Act Art. 26(6) (Deployer log keeping)");
    expect(all).toContain("Three things need attention");
    // The appendix comes after the body.
    expect(all.indexOf("Appendix")).toBeGreaterThan(all.lastIndexOf(eventId(ROWS - 1)));
    // Every event id, timestamp and ARN whole.
    expect(new Set(all.match(/00000000-0000-4000-a000-\d{12}/g)).size).toBe(ROWS);
    expect(new Set(all.match(/2026-10-0\dT\d\d:\d\d:00\.000Z/g)).size).toBe(ROWS);
    expect(new Set(all.match(/assumed-role\/ApplicationRole\d\/session-\d+/g)).size).toBe(ROWS);

    // Poppler, where installed, reads lines as a person would: no id broken over two.
    const dir = mkdtempSync(path.join(tmpdir(), "report-pdf-"));
    writeFileSync(path.join(dir, "r.pdf"), pdf);
    let lines: string[] | undefined;
    try {
      lines = execFileSync("pdftotext", ["-layout", path.join(dir, "r.pdf"), "-"], { encoding: "utf8" }).split("\n");
    } catch {
      lines = undefined; // poppler-utils not installed: pdf.js's reading above stands
    }
    if (lines) {
      const pages = lines
        .join("\n")
        .split("\f")
        .filter((p) => p.trim());
      expect(pages).toHaveLength(totalPages);
      for (const [i, p] of pages.entries()) expect(p).toMatch(new RegExp(`Page ${i + 1} of ${totalPages}\\b`));
      expect(pages.join("\n")).toMatch(/Invocations\s+\(1,500 rows\)/);
      const ids = new Set(lines.flatMap((l) => l.match(/00000000-0000-4000-a000-\d{12}\b/g) ?? []));
      expect(ids.size).toBe(ROWS);
      expect(lines.some((l) => /(^|\s)0000-4000-a000|a000-\d{1,11}$/.test(l))).toBe(false);
    }
  });

  it("HTML: every row, row counts, controls, lead and appendix; tokens do not wrap", async () => {
    const sink = memorySink();
    await renderHtml(meta, sections(), sink, noProgress);
    const html = sink.bytes().toString("utf8");
    if (process.env.REPORT_PREVIEW_DIR) writeFileSync(path.join(process.env.REPORT_PREVIEW_DIR, "report.html"), html);
    expect(html).not.toMatch(/more rows/i);
    expect(new Set(html.match(/00000000-0000-4000-a000-\d{12}/g)).size).toBe(ROWS);
    expect(html).toContain("Invocations: 1,500 rows.");
    expect(html).toContain("Evidence for: SOC 2 (2017 TSC) CC7.2 (Monitoring of system components)");
    expect(html).toContain('<p class="lead">Three things need attention');
    expect(html.indexOf('id="appendix"')).toBeGreaterThan(html.indexOf('id="invocations"'));
    expect(html).toMatch(/td\.token,td\.time\{white-space:nowrap/);
    expect(html).toContain(`<td class="token">${eventId(7)}</td>`);
    expect(html).not.toMatch(/<(script|link)\b|src="http/);
  });

  it("CSV: a ZIP with one CSV per section, each with one header row", async () => {
    const sink = memorySink();
    await renderCsvZip(meta, sections(), sink, noProgress);
    const files = await unzip(sink.bytes());
    expect(files.map((f) => f.path)).toEqual(["summary.csv", "invocations.csv", "remediation_changes.csv"]);
    const invocations = files[1]?.bytes.toString("utf8").trimEnd().split("\r\n") ?? [];
    const header = "event_time,event_id,account_id,region,principal,model_id,error_code,note";
    expect(invocations[0]).toBe(header);
    expect(invocations.filter((l) => l === header)).toHaveLength(1);
    expect(invocations).toHaveLength(ROWS + 1);
    expect(files[0]?.bytes.toString("utf8").split("\r\n")[0]).toBe("kpi,value,previous");
  });
});
