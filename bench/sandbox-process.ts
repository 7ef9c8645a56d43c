// The AWS sandbox in its own process for benchmarks, so the workers' CPU is measured apart from
// the emulator's. Same as `bedrock-governor sandbox --scenario FILE --port 0`, plus an IPC channel
// that answers the sandbox's own request counters (exact AWS call counts, throttles included).
import { createLogger } from "../src/logger.js";
import { loadScenarioFile, startSandbox } from "../src/sandbox/index.js";

export interface SandboxReady {
  type: "ready";
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  memberRoleName: string;
  externalId: string | undefined;
}

export interface SandboxCounts {
  type: "counters";
  total: number;
  throttled: number;
  byOperation: Record<string, { count: number; throttled: number; maxPerSecond: number }>;
}

const file = process.argv[2];
if (!file || !process.send) {
  process.stderr.write("usage: a child process with IPC: tsx bench/sandbox-process.ts SCENARIO_FILE\n");
  process.exit(2);
}
const sandbox = await startSandbox({
  scenario: await loadScenarioFile(file),
  port: 0,
  log: createLogger("warn", process.stderr),
});
process.send({
  type: "ready",
  url: sandbox.url,
  accessKeyId: sandbox.baseCredentials.accessKeyId,
  secretAccessKey: sandbox.baseCredentials.secretAccessKey,
  memberRoleName: sandbox.memberRoleName,
  externalId: sandbox.externalId,
} satisfies SandboxReady);

process.on("message", (msg: { type?: string }) => {
  if (msg.type === "reset") {
    sandbox.counters.reset();
    process.send?.({ type: "reset-done" });
  }
  if (msg.type !== "counters") return;
  const c = sandbox.counters;
  const byOperation: SandboxCounts["byOperation"] = {};
  for (const { service, operation } of c.operations()) {
    const count = c.count({ service, operation });
    if (count > 0)
      byOperation[`${service}:${operation}`] = {
        count,
        throttled: c.throttled({ service, operation }),
        maxPerSecond: c.maxPerSecond({ service, operation }),
      };
  }
  process.send?.({ type: "counters", total: c.count(), throttled: c.throttled(), byOperation } satisfies SandboxCounts);
});
process.once("SIGTERM", () => {
  void sandbox.close().then(() => process.exit(0));
});
