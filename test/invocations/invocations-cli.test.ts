// `bedrock-governor invocations ingest` (and `audit ingest`, its former spelling kept as an alias)
// and `bedrock-governor report` as child processes against one database and the in-process demo
// sandbox (its CloudTrail is seeded, so every run serves the same events): ingest one account, then
// a CSV report of it (a ZIP of one CSV per section), audited; bad flags exit 2.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { follow } from "../../src/cli/invocations.js";
import type { Ingestion } from "../../src/modules/invocations/invocations.types.js";
import { DEMO_ACCOUNTS } from "../../src/sandbox/demo.js";
import { demoScenario, startSandbox } from "../../src/sandbox/index.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { emptyDatabase } from "../helpers/app.js";
import { runCli as runCliIn } from "../helpers/cli.js";
import { unzip } from "../helpers/zip.js";

let db: TestDatabase;
let work: string;

const runCli = (args: string[]) =>
  runCliIn(args, {
    DATABASE_URL: db.url,
    SANDBOX_URL: "",
    LOG_LEVEL: "info",
    INVENTORY_REGIONS: "us-east-1,us-west-2",
  });

beforeAll(async () => {
  db = await emptyDatabase();
  work = mkdtempSync(path.join(tmpdir(), "invocations-cli-"));
});
afterAll(async () => {
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe("bedrock-governor invocations ingest / report", () => {
  it("ingests an account's invocations, then reports them as CSV", async () => {
    const account = DEMO_ACCOUNTS.prodSearch;
    // The demo organization has an account without a usable role: the sync is partial (3).
    const sync = await runCli(["sync", "--wait"]);
    expect(sync.code, sync.stdout).toBe(3);
    const ingest = await runCli(["invocations", "ingest", "--source", "lookup", "--account", account, "--wait"]);
    expect(ingest.code, ingest.stderr).toBe(0);
    const lines = ingest.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^[0-9a-f-]{36}$/);
    const added = /succeeded: 2\/2 account-Regions, (\d+) events read, (\d+) added$/.exec(lines[1] ?? "");
    expect(added, ingest.stdout).not.toBeNull();
    // The demo's 40 calls of a legacy model from prod search, at least.
    expect(Number(added?.[2])).toBeGreaterThanOrEqual(40);

    const file = path.join(work, "report-csv.zip");
    const from = new Date(Date.now() - 8 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const report = await runCli([
      "report",
      "--from",
      from,
      "--to",
      to,
      "--scope",
      `account:${account}`,
      "--format",
      "csv",
      "-o",
      file,
    ]);
    expect(report.code, report.stderr).toBe(0);
    // Rendered in that process with only the reports module: still requested through the service,
    // audited as the operator, and the stored report is ready.
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const audited = await client.query<{ actor_id: string; target_id: string; after: { format: string } }>(
        "SELECT actor_id, target_id, after FROM audit_events WHERE action = 'report.request'",
      );
      expect(audited.rows).toHaveLength(1);
      expect(audited.rows[0]?.actor_id).toBe(`cli:${userInfo().username}`);
      expect(audited.rows[0]?.after.format).toBe("csv");
      const stored = await client.query("SELECT status FROM reports WHERE id = $1::uuid", [audited.rows[0]?.target_id]);
      expect(stored.rows).toEqual([{ status: "ready" }]);
    } finally {
      await client.end();
    }
    // A ZIP of one CSV per section, each with its header row.
    const files = await unzip(readFileSync(file));
    const rows = (section: string) => {
      const csv = files.find((f) => f.path === `${section}.csv`);
      expect(csv, files.map((f) => f.path).join(", ")).toBeDefined();
      return (csv?.bytes.toString("utf8") ?? "").trim().split("\r\n").slice(1);
    };
    const byAccount = rows("usage_by_account");
    expect(byAccount).toHaveLength(1);
    expect(byAccount[0]?.split(",").slice(0, 2)).toEqual([account, added?.[2]]);
    // The coverage statement: both Regions read by the sync; their invocations partial, and why
    // (the first ingestion looked back 7 of the period's 8 days; LookupEvents cannot see mantle).
    const coverage = rows("coverage").map((r) => r.split(","));
    expect(coverage.map((c) => [c[0], c[2], c[3], c[5]])).toEqual([
      [account, "us-east-1", "complete", "partial"],
      [account, "us-west-2", "complete", "partial"],
    ]);
    for (const c of coverage) {
      expect(c[6]).toMatch(/^invocations read only from \S+; LookupEvents cannot see bedrock-mantle inference/);
      expect(c[6]).not.toContain("read only up to");
    }
  }, 180_000); // four CLI processes (sync of the demo organization, ingestion, report)

  it("`audit ingest`, the former spelling, still ingests the same way", async () => {
    // The organization was synced by the test above.
    const alias = await runCli(["audit", "ingest", "--account", DEMO_ACCOUNTS.prodPayments, "--wait"]);
    expect(alias.code, alias.stderr).toBe(0);
    const aliasLines = alias.stdout.trim().split("\n");
    expect(aliasLines[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(aliasLines[1]).toMatch(
      new RegExp(`^ingestion ${aliasLines[0]} succeeded: 2/2 account-Regions, \\d+ events read, \\d+ added$`),
    );
  });

  it("a member role that cannot be assumed makes the ingestion partial (exit 3, as sync), at once, with progress on stderr", async () => {
    // sandbox-alice has no member role: AssumeRole is denied, a permanent refusal, not retried.
    const started = Date.now();
    const res = await runCli([
      "audit",
      "ingest",
      "--account",
      `${DEMO_ACCOUNTS.sandboxAlice},${DEMO_ACCOUNTS.prodSupport}`,
      "--wait",
    ]);
    expect(res.code, res.stderr).toBe(3);
    // Retried with backoff (5 attempts, from 5 s) it would take minutes.
    expect(Date.now() - started).toBeLessThan(60_000);
    const lines = res.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `^ingestion ${lines[0]} partial: 4/4 account-Regions, \\d+ events read, \\d+ added, 2 failed \\(.+\\)$`,
      ),
    );
    // Progress as plain lines on stderr when it is not a terminal; no terminal control codes.
    expect(res.stderr).not.toContain("\x1b[");
    const progress = res.stderr.split("\n").filter((l) => l.startsWith("["));
    expect(progress.length).toBeGreaterThan(0);
    for (const l of progress)
      expect(l).toMatch(/^\[[#.]{20}\] \d+\/\d+ account-Regions · \d+ failed · \d+ events read · \d+ s$/);
  }, 120_000);

  it("a permanent AssumeRole denial is tried once per account-Region, never retried", async () => {
    // A sandbox of this process (same demo organization) so its requests can be counted.
    const sandbox = await startSandbox({ scenario: demoScenario(), port: 0 });
    try {
      const assumeRoles = () => sandbox.counters.count({ service: "sts", operation: "AssumeRole" });
      const before = assumeRoles();
      // Only sandbox-alice (no member role; the organization was synced by the first test): every
      // AssumeRole of this run is for her role.
      const res = await runCliIn(["audit", "ingest", "--account", DEMO_ACCOUNTS.sandboxAlice, "--wait"], {
        DATABASE_URL: db.url,
        SANDBOX_URL: sandbox.url,
        AWS_ACCESS_KEY_ID: sandbox.baseCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sandbox.baseCredentials.secretAccessKey,
        AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
        ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
        LOG_LEVEL: "warn",
        INVENTORY_REGIONS: "us-east-1,us-west-2",
      });
      const summary = res.stdout.trim().split("\n")[1] ?? "";
      expect(summary, res.stderr).toMatch(/ (failed|partial): 2\/2 account-Regions, .* 2 failed \(.*AssumeRole.*\)$/);
      expect(res.code).not.toBe(0);
      // At most one attempt per account-Region (us-east-1, us-west-2; jobs of one account that run
      // at once share one call): one retry of either would make it 3.
      const calls = assumeRoles() - before;
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(2);
    } finally {
      await sandbox.close();
    }
  }, 120_000);

  it("on a terminal, progress is redrawn in place on stderr and ends with a newline", async () => {
    const at = (status: Ingestion["status"], done: number, failed: number): Ingestion => ({
      id: "00000000-0000-4000-8000-000000000001",
      source: "lookup",
      status,
      params: {},
      requestedBy: "cli:test",
      createdAt: new Date(),
      finishedAt: null,
      jobsTotal: 4,
      jobsDone: done,
      jobsFailed: failed,
      eventsRead: done * 10,
      eventsAdded: done * 10,
      pages: done,
      lastError: failed ? "AccessDenied" : null,
      warnings: [],
    });
    const states = [at("running", 1, 0), at("running", 2, 1), at("partial", 3, 1)];
    let err = "";
    let out = "";
    const code = await follow(at("queued", 0, 0), async () => states.shift() as Ingestion, {
      stdout: {
        write: (c: string | Uint8Array) => {
          out += String(c);
          return true;
        },
      },
      stderr: {
        isTTY: true,
        write: (c: string | Uint8Array) => {
          err += String(c);
          return true;
        },
      },
    });
    expect(code).toBe(3);
    expect(states).toEqual([]);
    // Three redraws: each clears the line and starts over at its beginning, none ends a line.
    const draws = err.split("\r\x1b[2K").slice(1);
    expect(err.startsWith("\r\x1b[2K")).toBe(true);
    expect(draws).toHaveLength(3);
    expect(draws[0]).toMatch(/^\[#{5}\.{15}\] 1\/4 account-Regions · 0 failed · 10 events read · \d+ s$/);
    expect(draws[1]).toMatch(/^\[#{15}\.{5}\] 3\/4 account-Regions · 1 failed · 20 events read · \d+ s$/);
    expect(draws[2]).toMatch(/^\[#{20}\] 4\/4 account-Regions · 1 failed · 30 events read · \d+ s\n$/);
    expect(out).toBe(
      "ingestion 00000000-0000-4000-8000-000000000001 partial: 4/4 account-Regions, 30 events read, 30 added, 1 failed (AccessDenied)\n",
    );
  });

  it("without --wait the ingestion is queued for a worker (the job queue is started to send)", async () => {
    const res = await runCli(["invocations", "ingest", "--account", DEMO_ACCOUNTS.prodPayments]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(res.stderr).not.toMatch(/TypeError|job queue/);
  });

  it("bad flags exit 2 with one line", async () => {
    const res = await runCli(["report", "--from", "yesterday", "--to", "2026-01-01T00:00:00Z"]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe("bedrock-governor report: --from yesterday: expected an ISO 8601 date");
    const src = await runCli(["audit", "ingest", "--source", "lake"]);
    expect(src.code).toBe(2);
    expect(src.stderr.trim()).toBe("bedrock-governor audit ingest: --source lake: expected lookup or s3");
    const account = await runCli(["invocations", "ingest", "--account", "12345"]);
    expect(account.code).toBe(2);
    expect(account.stderr.trim()).toBe(
      "bedrock-governor invocations ingest: --account 12345: expected a 12-digit AWS account id",
    );
  });
});
