// kill -9 of the process applying a remediation plan, while an Organizations call is in flight
// (the sandbox holds CreatePolicy and AttachPolicy for a while, and the kill lands once the
// change's intent is journalled): a worker started afterwards reconciles the plan against AWS.
// Killed during the create, the plan ends rolled back (the policy that landed after the kill is
// adopted, then deleted); killed during the attach, it ends applied. Every AWS change the sandbox
// received has its audit event, and a new plan for the same scope is made and applied in between.
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { demoScenario } from "../../src/sandbox/index.js";
import { type SandboxApp, startSandboxApp } from "../helpers/sandbox-app.js";
import { eventually, waitForSyncRun } from "../helpers/wait.js";
import { ctx, query } from "./helpers.js";

const CATALOG = `entries:
  - { id: nova, model: amazon.nova-pro-v1:0, scope: organization, owner: platform, justification: default model }
`;
/** Long enough for the kill to land during the call, short against the apply lease. */
const IN_FLIGHT_MS = 1500;
const LEASE_SECONDS = 4;

let rig: SandboxApp | undefined;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await rig?.close();
});

describe("kill -9 during a remediation apply", () => {
  it("after restart the plan ends applied or rolled back, every AWS change is audited, a new plan is possible", async () => {
    rig = await startSandboxApp(
      {
        ...demoScenario(),
        faults: {
          seed: 11,
          latency: [
            { service: "organizations", operation: "CreatePolicy", distribution: "fixed", ms: IN_FLIGHT_MS },
            { service: "organizations", operation: "AttachPolicy", distribution: "fixed", ms: IN_FLIGHT_MS },
          ],
        },
      },
      { REMEDIATION_RECOVER_CRON: "off" },
    );
    const { sandbox, t } = rig;
    const url = t.database.url;
    await t.services.catalog.apply(ctx, parseCatalogDocument(CATALOG), "kill fixture");
    await waitForSyncRun(t, (await t.services.sync.requestSync(ctx, { scope: "organization" })).id);
    const planFor = async () => {
      const p = await t.services.remediation.createPlan(ctx, { kind: "organization" });
      expect(p.changes.map((c) => c.kind)).toEqual(["scp_create", "scp_attach"]);
      return p;
    };
    const first = await planFor();
    // From here on child processes apply and recover; this one watches the database and AWS (its
    // own worker recovers nothing: the recovery cron is off).

    const env: Record<string, string> = {
      DATABASE_URL: url,
      TEST_DATABASE_URL: "",
      AWS_TARGET: "sandbox",
      SANDBOX_URL: sandbox.url,
      AWS_ACCESS_KEY_ID: sandbox.baseCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.baseCredentials.secretAccessKey,
      AWS_MEMBER_ROLE_NAME: sandbox.memberRoleName,
      ...(sandbox.externalId ? { AWS_EXTERNAL_ID: sandbox.externalId } : {}),
      INVENTORY_REGIONS: sandbox.state.defaultRegions.join(","),
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
      SYNC_CRON: "off",
      INVOCATIONS_INGEST_CRON: "off",
      REQUESTS_SWEEP_CRON: "off",
      REMEDIATION_RECOVER_CRON: "off",
      REMEDIATION_APPLY_LEASE_SECONDS: String(LEASE_SECONDS),
      LOG_LEVEL: "warn",
      BOOTSTRAP_ADMIN: "off",
    };
    const start = (args: string[]) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "ignore", "inherit"],
      });
      children.push(child);
      return child;
    };
    const kill9 = async (child: ChildProcess) => {
      child.kill("SIGKILL");
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
    };
    const planRow = async (id: string) =>
      (
        await query<{ status: string; results: { status: string; policyId?: string }[] | null }>(
          url,
          "SELECT status, results FROM remediation_plans WHERE id = $1",
          [id],
        )
      )[0];

    const calls = (operation: string) => sandbox.counters.count({ service: "organizations", operation });
    /**
     * `apply <plan>` in a child process, killed once change `index` is journalled as started and
     * its call (`operation`) has reached the sandbox, which holds it for IN_FLIGHT_MS.
     */
    async function killDuring(planId: string, index: number, operation: string) {
      const sent = calls(operation);
      const apply = start(["apply", planId]);
      await eventually(
        async () =>
          (
            await query<{ status: string }>(
              url,
              "SELECT status FROM remediation_plan_changes WHERE plan_id = $1 AND idx = $2",
              [planId, index],
            )
          )[0]?.status,
        (s) => s !== undefined,
        `change ${index} of plan ${planId} started`,
        { timeoutMs: 120_000, everyMs: 20 },
      );
      await eventually(
        () => calls(operation),
        (n) => n > sent,
        `${operation} in flight`,
        { everyMs: 5 },
      );
      await kill9(apply);
      expect(apply.signalCode).toBe("SIGKILL");
      const left = await planRow(planId);
      expect(left?.status).toBe("applying");
      // The change in flight has an intent on record, and no outcome.
      const journal = await query<{ idx: number; status: string }>(
        url,
        "SELECT idx, status FROM remediation_plan_changes WHERE plan_id = $1 ORDER BY idx",
        [planId],
      );
      expect(journal.at(-1)).toEqual({ idx: index, status: "started" });
      // The dead process's lease runs out (the call it had sent lands meanwhile).
      await eventually(
        async () =>
          (
            await query<{ expired: boolean }>(
              url,
              "SELECT lease_until < now() AS expired FROM remediation_plans WHERE id = $1",
              [planId],
            )
          )[0]?.expired,
        Boolean,
        "the lease of the killed apply ran out",
        { timeoutMs: 30_000 },
      );
    }

    /** A worker started after the kill recovers the plan; returns the plan's final status. */
    async function restart(planId: string) {
      const worker = start(["worker"]);
      const done = await eventually(
        () => planRow(planId),
        (p) => p !== undefined && p.status !== "applying",
        `plan ${planId} recovered`,
        { timeoutMs: 120_000, everyMs: 200 },
      );
      await kill9(worker);
      return done;
    }

    // 1. Killed while CreatePolicy is in flight: the policy lands after the kill; the recovery
    //    adopts it (with the id AWS gave), then deletes it, since its attachment never ran.
    await killDuring(first.id, 0, "CreatePolicy");
    const firstDone = await restart(first.id);
    expect(firstDone?.status).toBe("rolled_back");
    expect(firstDone?.results?.map((r) => r.status)).toEqual(["rolled_back", "skipped"]);
    const name = first.changes[0]?.kind === "scp_create" ? first.changes[0].name : "";
    const org = rig.t.services.aws.organizations();
    expect((await org.listPolicies("SERVICE_CONTROL_POLICY")).some((p) => p.Name === name)).toBe(false);

    // 2. A new plan for the same scope, made only now that the first is recovered (the stuck apply
    //    no longer blocks planning): killed while AttachPolicy is in flight; the attachment
    //    lands, the recovery adopts it, and the plan ends applied.
    const second = await planFor();
    expect(second.id).not.toBe(first.id);
    expect((await planRow(second.id))?.status).toBe("planned");
    await killDuring(second.id, 1, "AttachPolicy");
    const secondDone = await restart(second.id);
    expect(secondDone?.status).toBe("applied");
    expect(secondDone?.results?.map((r) => r.status)).toEqual(["applied", "applied"]);
    const policy = (await org.listPolicies("SERVICE_CONTROL_POLICY")).find((p) => p.Name === name);
    expect(policy?.Id).toBeDefined();
    expect(secondDone?.results?.[1]?.policyId).toBe(policy?.Id);
    const root = first.changes[1]?.kind === "scp_attach" ? first.changes[1].target.id : "";
    expect((await org.listTargetsForPolicy(policy?.Id as string)).map((x) => x.TargetId)).toEqual([root]);

    // Every change the sandbox received has its audit event (adopted, applied or undone).
    const audited = await query<{ kind: string; status: string; n: number }>(
      url,
      `SELECT after->>'kind' AS kind, after->>'status' AS status, count(*)::int AS n FROM audit_events
       WHERE action = 'remediation.change' AND target_id IN ($1, $2) GROUP BY 1, 2 ORDER BY 1, 2`,
      [first.id, second.id],
    );
    const n = (kind: string, status: string) => audited.find((a) => a.kind === kind && a.status === status)?.n ?? 0;
    expect(calls("CreatePolicy")).toBe(2);
    expect(n("scp_create", "applied")).toBe(calls("CreatePolicy"));
    expect(calls("AttachPolicy")).toBe(1);
    expect(n("scp_attach", "applied")).toBe(calls("AttachPolicy"));
    expect(calls("DeletePolicy")).toBe(1);
    expect(n("scp_create", "rolled_back")).toBe(calls("DeletePolicy"));
    expect(calls("DetachPolicy")).toBe(0);
    // Each change was announced before it was made, and each recovery is on record.
    const intents = await query<{ n: number }>(
      url,
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'remediation.intent' AND target_id IN ($1, $2)",
      [first.id, second.id],
    );
    expect(intents[0]?.n).toBe(3);
    const recoveries = await query<{ status: string }>(
      url,
      `SELECT after->>'status' AS status FROM audit_events
       WHERE action = 'remediation.apply' AND (after->>'recovered')::boolean AND target_id IN ($1, $2) ORDER BY id`,
      [first.id, second.id],
    );
    expect(recoveries.map((r) => r.status)).toEqual(["rolled_back", "applied"]);
  });
});
