// `bedrock-governor request …` as a person runs it against a running API: file, list, show,
// approve (on the version just read), reject, cancel; API errors are one line and exit 1.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { DEV, E1, LLAMA, MISTRAL, sleep, startRequestsApp, W1 } from "./helpers.js";

let t: TestApp;
let url: string;
let requester: string;
let approver: string;

beforeAll(async () => {
  t = await startRequestsApp({ enforceCatalog: false });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  requester = (await t.keyFor("requester", "dev-alice")).replace(/^Bearer /, "");
  approver = (await t.keyFor("approver", "lead-bob")).replace(/^Bearer /, "");
}, 120_000);
afterAll(async () => t?.close());

/** Runs the CLI in a child process (asynchronously: this process serves the API it calls). */
const cli = async (key: string, ...args: string[]) => {
  const r = await runCli(["request", ...args], { GOVERNOR_URL: url, GOVERNOR_API_KEY: key, LOG_LEVEL: "error" });
  return { status: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
};

const createArgs = (model: string, region = E1) => [
  "create",
  "--account",
  DEV,
  "--region",
  region,
  "--model",
  model,
  "--purpose",
  "trying it from the terminal",
  "--classification",
  "internal",
  "--duration-hours",
  "8",
];

describe("request CLI", () => {
  it("create, list, show, approve and reject through the API", async () => {
    const created = await cli(requester, ...createArgs(MISTRAL), "--json");
    expect(created.status, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout) as { id: string; status: string };
    expect(first.status).toBe("pending");

    const listed = await cli(requester, "list", "--mine");
    expect(listed.stdout).toContain(first.id);
    expect(listed.stdout).toMatch(
      /pending\s+mistral\.mistral-large-2407-v1:0\s+200000000002\s+us-east-1\s+by dev-alice/,
    );

    const shown = await cli(requester, "show", first.id, "--json");
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: first.id, version: 1 });
    const summary = await cli(requester, "show", first.id);
    expect(summary.stdout).toContain(`request ${first.id} (version 1)\n  status     pending\n`);
    expect(summary.stdout).toMatch(/must act {3}an approver \(role approver\): 0\/1 approvals/);
    expect(summary.stdout).toMatch(/pre-flight \(once approved\)\n {2}200000000002 us-east-1 {2}usable/);
    expect(summary.stdout).toMatch(/timeline\n {2}\S+ {2}filed/);

    const approved = await cli(approver, "approve", first.id, "--comment", "go ahead");
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^approved: ${first.id}`));

    // No rule lets provisioning apply its plans: an admin applies them, then `request verify`.
    const admin = (await t.keyFor("admin", "ops-carol")).replace(/^Bearer /, "");
    const read = async () =>
      (
        await t.app.inject({ url: `/v1/access-requests/${first.id}`, headers: { authorization: `Bearer ${admin}` } })
      ).json() as { status: string; waiting: { plans: Array<{ planId: string }> } | null };
    let now = await read();
    for (let i = 0; i < 600 && now.waiting === null && now.status !== "active"; i++) {
      await sleep(200);
      now = await read();
    }
    if (now.waiting) {
      for (const p of now.waiting.plans) {
        const applied = await t.app.inject({
          method: "POST",
          url: `/v1/remediation-plans/${p.planId}/apply`,
          headers: { authorization: `Bearer ${admin}` },
          payload: {},
        });
        expect(applied.statusCode, applied.body).toBe(200);
      }
      const verified = await cli(admin, "verify", first.id);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(new RegExp(`^verifying: ${first.id}\\s+provisioning`));
    }
    // watch prints each state change on one line and ends with the request's outcome.
    const watched = await cli(requester, "watch", first.id, "--interval", "1", "--timeout", "120");
    expect(watched.status, watched.stderr).toBe(0);
    const states = watched.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.split("  ")[1]);
    expect(states.at(-1)).toBe("active");
    expect(new Set(states).size).toBe(states.length);
    const notProvisioning = await cli(admin, "verify", first.id);
    expect(notProvisioning.status).toBe(1);
    expect(notProvisioning.stderr).toContain("409 ILLEGAL_TRANSITION");
    expect(notProvisioning.stdout).toBe("");
    const uncommented = await cli(admin, "revoke", first.id);
    expect(uncommented.status).not.toBe(0);
    const revoked = await cli(admin, "revoke", first.id, "--comment", "project over");
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked: ${first.id}\\s+revoked`));
    const after = await cli(requester, "watch", first.id, "--timeout", "5");
    expect(after.status).toBe(1);
    expect(after.stdout).toMatch(/^\S+Z {2}revoked\n$/);

    const second = JSON.parse((await cli(requester, ...createArgs(LLAMA), "--json")).stdout) as { id: string };
    const noComment = await cli(approver, "reject", second.id);
    expect(noComment.status).not.toBe(0);
    const rejected = await cli(approver, "reject", second.id, "--comment", "use Nova");
    expect(rejected.stdout).toMatch(/^rejected: /);
    expect(
      (
        await t.services.audit.list(
          { principal: { kind: "system", id: "t", name: "t", roles: ["admin"], groups: [] } },
          { targetId: second.id },
          { limit: 10 },
        )
      ).items.map((e) => e.action),
    ).toContain("access_request.reject");
  }, 480_000);

  it("cancel withdraws your own; API errors are one line and exit 1", async () => {
    const filed = JSON.parse((await cli(requester, ...createArgs(LLAMA), "--json")).stdout) as { id: string };
    const cancelled = await cli(requester, "cancel", filed.id, "--comment", "changed my mind");
    expect(cancelled.status, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/^cancelled: .*cancelled/);
    const own = await cli(requester, "approve", filed.id);
    expect(own.status).toBe(1);
    expect(own.stderr.trim()).toMatch(/^bedrock-governor: 403 FORBIDDEN/);
    const notOffered = await cli(requester, ...createArgs(MISTRAL, W1));
    expect(notOffered.status).toBe(1);
    expect(notOffered.stderr.trim()).toMatch(/422 MODEL_NOT_OFFERED: .*us-east-1.*\(body\.regions\[0\]/);
    const noKey = await cli("", "list");
    expect(noKey.stderr).toContain("GOVERNOR_API_KEY is not set");
  }, 480_000);
});
