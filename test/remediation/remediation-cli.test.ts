// `bedrock-governor plan | apply | reconcile` as an operator runs them, over the drift fixture.
// Every command is its own process; they share the sandbox organization of their test database.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { runCliSync } from "../helpers/cli.js";

let db: TestDatabase;
let dir: string;
const cli = (...args: string[]) => cliWith({}, ...args);
const cliWith = (env: Record<string, string>, ...args: string[]) =>
  runCliSync(
    args,
    {
      DATABASE_URL: db.url,
      LOG_LEVEL: "error",
      SANDBOX_SCENARIO: "test/fixtures/drift-scenario.yaml",
      SYNC_CRON: "off",
      INVOCATIONS_INGEST_CRON: "off",
      ...env,
    },
    120_000,
  );

beforeAll(async () => {
  db = await migratedDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "remediation-cli-"));
  const catalog = path.join(dir, "catalog.yaml");
  writeFileSync(
    catalog,
    "entries:\n  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default }\n",
  );
  expect(cli("catalog", "apply", "-f", catalog, "--reason", "fixture").status).toBe(0);
  const sync = cli("sync", "--wait");
  expect(sync.status, sync.stderr).toBe(3); // partial: lost-app is unreachable
}, 240_000);
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe("remediation CLI", () => {
  it("reconcile prints the findings it produced", () => {
    const r = cli("reconcile");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+ finding\(s\): \d+ new, \d+ seen again, \d+ resolved$/m);
  });

  it("plan prints the changes, what it cannot do and how to apply it (exit 2 when there are changes)", () => {
    const form = path.join(dir, "use-case.json");
    writeFileSync(form, JSON.stringify({ companyName: "Example Corp", useCases: "assistants" }));
    const r = cli("plan", "--use-case-file", form);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toContain("+ create SCP bedrock-governor-catalog-r-dr01 for root r-dr01");
    expect(r.stdout).toContain("+ attach SCP bedrock-governor-catalog-r-dr01 to root r-dr01");
    expect(r.stdout).toContain("! SCPs do not apply to the management account 100000000001");
    const id = /apply it with: bedrock-governor apply ([0-9a-f-]{36})/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const json = cli("plan", "--account", "300000000003", "--json");
    expect(json.status).toBe(2);
    const plan = JSON.parse(json.stdout) as { scope: unknown; changes: { kind: string }[] };
    expect(plan.scope).toEqual({ kind: "account", id: "300000000003" });
    expect(plan.changes.some((c) => c.kind === "scp_create")).toBe(true);
  });

  it("plan list --pending is the admin's queue: planned plans with changes, as lines or JSON", () => {
    const pending = cli("plan", "list", "--pending", "--json");
    expect(pending.status, pending.stderr).toBe(0);
    const plans = JSON.parse(pending.stdout) as Array<{ id: string; status: string; changes: unknown[] }>;
    expect(plans.length).toBeGreaterThan(0);
    for (const p of plans) {
      expect(p.status).toBe("planned");
      expect(p.changes.length).toBeGreaterThan(0);
    }
    const lines = cli("plan", "list", "--pending");
    expect(lines.status, lines.stderr).toBe(0);
    expect(lines.stdout.trim().split("\n")).toHaveLength(plans.length);
    expect(lines.stdout).toMatch(/^[0-9a-f-]{36}\tplanned\taccount 300000000003\t\d+ change\(s\)\t/m);
    expect(JSON.parse(cli("plan", "list", "--status", "applied", "--json").stdout)).toEqual([]);
    const usage = cli("plan", "list", "--pending", "--status", "failed");
    expect(usage.status).toBe(2);
  });

  it("apply re-syncs what it changed in this process and waits for those verifying sync runs to finish", () => {
    const planned = cli("plan", "--account", "300000000003", "--json");
    expect(planned.status, planned.stderr).toBe(2);
    const { id } = JSON.parse(planned.stdout) as { id: string };
    // At warn level, so the warning this test guards against would reach stderr.
    const applied = cliWith({ LOG_LEVEL: "warn" }, "apply", id, "--force", "--reason", "verifying sync test");
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stderr).not.toContain("could not start the verifying sync");
    const runs = [...applied.stdout.matchAll(/^verifying sync run ([0-9a-f-]{36}) (\w+)$/gm)];
    expect(runs.length, applied.stdout).toBeGreaterThan(0);
    // Finished, not left queued: the run's jobs were worked against the AWS this process changed.
    for (const r of runs) expect(["succeeded", "partial"]).toContain(r[2]);
  }, 240_000);

  it("apply of an unknown plan fails with one line; bad options are usage errors (exit 2)", () => {
    const unknown = cli("apply", "00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("not found");
    const unforced = cli("apply", "00000000-0000-4000-8000-000000000000", "--force", "--first", "ou-dr01-dev00001");
    expect(unforced.status).toBe(1);
    expect(unforced.stderr).toContain("force needs a reason");
    const usage = cli("plan", "--region", "us-east-1");
    expect(usage.status).toBe(2);
    expect(usage.stderr.trim()).toBe("bedrock-governor: --region needs --account");
  });
});
