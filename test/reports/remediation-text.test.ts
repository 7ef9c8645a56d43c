// Remediation changes as sentences, from the change summaries the remediation module audits.
import { describe, expect, it } from "vitest";
import { changeSummary } from "../../src/modules/remediation/remediation-apply.js";
import { describeRemediation } from "../../src/modules/reports/remediation-text.js";

const ou = { kind: "ou" as const, id: "ou-abc" };
const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny" }, { Effect: "Deny" }, { Effect: "Deny" }],
});

describe("remediation changes described for people", () => {
  it("says each kind of change in a sentence, with the statement count of a new policy", () => {
    const change = (c: Parameters<typeof changeSummary>[0], extra: Record<string, unknown> = {}) =>
      describeRemediation("remediation.change", "plan-1", {
        ...changeSummary(c),
        index: 0,
        status: "applied",
        ...extra,
      });
    expect(
      change({ kind: "scp_create", name: "bg-allow-models-1", description: "d", content: policy, target: ou }),
    ).toBe("Created SCP bg-allow-models-1 (3 statements) for OU ou-abc (change 1 of plan plan-1).");
    expect(change({ kind: "scp_attach", policyId: "p-1", name: "bg-allow-models-1", target: ou })).toBe(
      "Attached SCP bg-allow-models-1 (p-1) to OU ou-abc (change 1 of plan plan-1).",
    );
    expect(
      change(
        { kind: "scp_detach", policyId: "p-1", name: "old", target: { kind: "root", id: "r-ab12" } },
        { status: "failed", error: "AccessDenied" },
      ),
    ).toBe("Failed: Detached SCP old (p-1) from the root r-ab12 (change 1 of plan plan-1): AccessDenied.");
    expect(
      change({
        kind: "retention_put",
        accountId: "111111111111",
        region: "us-east-1",
        before: "default",
        mode: "none",
        entryIds: [],
      }),
    ).toBe(
      "Set the data retention of account 111111111111 (us-east-1) from default to none (change 1 of plan plan-1).",
    );
    expect(
      change(
        { kind: "scp_delete", policyId: "p-2", name: "gone", before: policy },
        { recovered: true, status: "rolled_back" },
      ),
    ).toBe(
      "Rolled back: Deleted SCP gone (p-2) (change 1 of plan plan-1), completed by the recovery of an interrupted apply.",
    );
  });

  it("says how an apply began and ended", () => {
    expect(
      describeRemediation("remediation.apply", "plan-1", {
        status: "applying",
        changes: 4,
        forced: { reason: "freeze", breakages: [{}, {}] },
      }),
    ).toBe("Started applying plan plan-1 (4 change(s)), forced past 2 blocked approved path(s): freeze.");
    expect(
      describeRemediation("remediation.apply", "plan-1", { status: "applied", applied: 3, failed: 0, skipped: 1 }),
    ).toBe("Finished plan plan-1: applied, 3 change(s) applied, 0 failed, 1 skipped.");
  });
});
