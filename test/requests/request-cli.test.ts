// `bedrock-governor request …` as a person runs it against a running API: file, list, show,
// approve (on the version just read), reject, cancel; API errors are one line and exit 1.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApp } from "../helpers/app.js";
import { runCli } from "../helpers/cli.js";
import { DEV, E1, LLAMA, MISTRAL, startRequestsApp, W1 } from "./helpers.js";

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

    const shown = await cli(requester, "show", first.id);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: first.id, version: 1 });

    const approved = await cli(approver, "approve", first.id, "--comment", "go ahead");
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^approved: ${first.id}`));

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
  }, 120_000);

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
  }, 120_000);
});
