// `bedrock-governor sync` as a child process against a fresh database and the in-process demo
// sandbox: exit codes, the summary by gate, and bad flags.
import { afterAll, describe, expect, it } from "vitest";
import { progressLine } from "../../src/cli/sync.js";
import type { SyncRunView } from "../../src/modules/inventory/inventory.types.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { emptyDatabase } from "../helpers/app.js";
import { runCli as runCliIn } from "../helpers/cli.js";

// No SANDBOX_URL: the CLI starts the sandbox in-process with the demo organization.
const runCli = (args: string[], env: Record<string, string>) =>
  runCliIn(args, { DATABASE_URL: "", SANDBOX_URL: "", LOG_LEVEL: "info", ...env });

const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

describe("bedrock-governor sync", () => {
  it("--wait works the run in-process and exits 3 when partial, naming the failing gate", async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const res = await runCli(["sync", "--wait"], { DATABASE_URL: db.url });
    expect(res.code, res.stderr).toBe(3);
    const lines = res.stdout.trim().split("\n");
    const runId = /^sync run ([0-9a-f-]{36}) requested \(scope organization\)$/.exec(lines[0] ?? "")?.[1];
    expect(runId).toBeDefined();
    // Not a terminal: plain progress lines, no carriage returns.
    expect(res.stdout).not.toContain("\r");
    expect(res.stdout).toMatch(/\] \d+\/\d+ account-Regions · \d+ failed · \d+ s\n/);
    const summary = lines.findIndex((l) => l.startsWith(`sync run ${runId} partial in `));
    expect(summary).toBeGreaterThan(0);
    // The demo's account without a usable member role fails at the credentials gate.
    expect(lines.slice(summary + 1).some((l) => /^ {2}credentials: \d+ account-Regions?$/.test(l))).toBe(true);
    expect(res.stdout).toContain("sts:AssumeRole");
    // Logs went to stderr as JSON; stdout stayed human.
    expect(lines.every((l) => !l.startsWith("{"))).toBe(true);
  });

  it("without --wait prints the run id and exits 0 leaving the work to workers", async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const res = await runCli(["sync", "--region", "us-east-1"], { DATABASE_URL: db.url });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^sync run [0-9a-f-]{36} requested \(scope organization us-east-1\)\n$/);
  });

  it.each([
    [["--ou", "ou-ab12-cd345678", "--account", "123412341234"], "--ou and --account are mutually exclusive"],
    [["--account", "12345"], "--account 12345: expected a 12-digit AWS account id"],
    [["--region", "moon-1"], "--region moon-1: expected an AWS Region code such as us-east-1"],
    [["--ou", "root"], "--ou root: expected an OU id such as ou-ab12-cd345678"],
  ])("rejects %j with one line and exit 2", async (flags, message) => {
    const res = await runCli(["sync", ...flags], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`bedrock-governor sync: ${message}\n`);
    expect(res.stdout).toBe("");
  });
});

describe("progress line", () => {
  const run = (p: Partial<SyncRunView["progress"]>, status: SyncRunView["status"] = "running") =>
    ({ status, progress: { total: 1000, pending: 0, succeeded: 0, failed: 0, ...p } }) as SyncRunView;

  it("draws the bar in proportion to finished account-Regions", () => {
    expect(progressLine(run({ succeeded: 409, failed: 3, pending: 588 }), 42_300, 10)).toBe(
      "[####......] 412/1000 account-Regions · 3 failed · 42 s",
    );
    expect(progressLine(run({ succeeded: 1000 }, "succeeded"), 1000, 10)).toBe(
      "[##########] 1000/1000 account-Regions · 0 failed · 1 s",
    );
    expect(progressLine(run({ total: 0 }, "queued"), 0, 4)).toBe("[....] queued · 0 s");
  });
});
