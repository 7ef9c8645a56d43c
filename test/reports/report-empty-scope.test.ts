// A report over a scope that holds no account-Region (an organization never synced) says so first
// and in its coverage statement, instead of "nothing needs attention" and "all 0 complete": an
// empty scope is a gap, not a clean bill.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_COVERAGE } from "../../src/modules/reports/report-summary.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";

let database: TestDatabase;
beforeAll(async () => {
  database = await migratedDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe("a report over an organization never synced", () => {
  it("puts the empty scope first in what needs attention and in the coverage statement", async () => {
    const r = await runCli(
      ["report", "--from", "2026-08-01T00:00:00.000Z", "--to", "2026-09-01T00:00:00.000Z", "--format", "json"],
      {
        DATABASE_URL: database.url,
        AWS_TARGET: "aws",
        AWS_REGION: "us-east-1",
        LOG_LEVEL: "warn",
        BOOTSTRAP_ADMIN: "off",
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const sections = (JSON.parse(r.stdout) as { sections: Array<{ id: string; lead?: string[] }> }).sections;
    const lead = (id: string) => sections.find((s) => s.id === id)?.lead ?? [];
    expect(lead("summary")[0]).toBe(NO_COVERAGE);
    expect(lead("summary").join(" ")).not.toMatch(/Nothing needs attention/);
    expect(lead("coverage")).toEqual([expect.stringMatching(/^No account-Region is in scope/)]);
    expect(lead("coverage").join(" ")).not.toMatch(/^All 0/);
  });
});
