// One simulated organization per installation: the first process that needs the sandbox starts it
// on 127.0.0.1 and records where it listens in the sandbox folder; the others (CLI, worker) join it
// while it answers. Its state is saved there after each change, so a restart keeps the organization.
// An installation is its database: the embedded one, or one DATABASE_URL (tests get one each).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { demoScenario, loadScenarioFile, type Sandbox, startSandbox, stateFile } from "../sandbox/index.js";

const SAVE_DELAY_MS = 200;

export interface SandboxEndpoint {
  url: string;
  pid: number;
  /** Started by `serve` or `worker` (lives on), not by a CLI command (gone when it ends). */
  host: boolean;
  scenario: string;
  baseCredentials: { accessKeyId: string; secretAccessKey: string };
  managementAccountId: string;
  memberRoleName: string;
  externalId?: string;
  regions: string[];
}

export interface SharedSandbox {
  endpoint: SandboxEndpoint;
  /** This process started the sandbox (and serves it until it closes). */
  owned: boolean;
  close(): Promise<void>;
}

export function sandboxFiles(config: Readonly<Config>, databaseUrl: string | undefined) {
  const key =
    databaseUrl === undefined
      ? "embedded"
      : createHash("sha256")
          .update(databaseUrl.replace(/\/\/[^@/]*@/, "//"))
          .digest("hex")
          .slice(0, 16);
  return {
    endpoint: path.join(config.sandbox.stateDir, `${key}.endpoint.json`),
    state: path.join(config.sandbox.stateDir, `${key}.state.json`),
  };
}

function readEndpoint(file: string): SandboxEndpoint | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SandboxEndpoint;
  } catch {
    return undefined;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** How long `serve`/`worker` wait for a CLI command's sandbox to end before starting their own. */
const HOST_WAIT_MS = 60_000;
const WATCH_INTERVAL_MS = 1000;

/**
 * `host`: this process lives on (`serve`, `worker`). A host does not join a sandbox a CLI command
 * started (it would vanish under it): it waits for that command to end, then starts the sandbox
 * from the state the command saved.
 */
export async function joinOrStartSandbox(
  config: Readonly<Config>,
  databaseUrl: string | undefined,
  log: Logger,
  opts: { host: boolean },
): Promise<SharedSandbox> {
  const files = sandboxFiles(config, databaseUrl);
  const scenarioName = config.sandbox.scenarioFile ?? "demo";
  const startOwned = async (port: number): Promise<{ endpoint: SandboxEndpoint; close(): Promise<void> }> => {
    const scenario = config.sandbox.scenarioFile ? await loadScenarioFile(config.sandbox.scenarioFile) : demoScenario();
    const store = stateFile(files.state, scenarioName);
    const saved = store.load();
    const sandboxLog = log.child({ component: "sandbox" });
    // Saves are coalesced (a sync makes hundreds of AssumeRole calls; the demo state is ~1.5 MB) and
    // flushed at close: at most SAVE_DELAY_MS of changes are lost if the process is killed.
    let pending: NodeJS.Timeout | undefined;
    const saveNow = () => {
      pending = undefined;
      try {
        store.save(sandbox.state);
      } catch (err) {
        sandboxLog.error({ err, file: store.path }, "could not save the sandbox state");
      }
    };
    const sandbox: Sandbox = await startSandbox({
      scenario,
      port,
      log: sandboxLog,
      ...(saved ? { state: saved } : {}),
      onChange: () => {
        pending ??= setTimeout(saveNow, SAVE_DELAY_MS);
      },
    });
    if (!saved) store.save(sandbox.state);
    const endpoint: SandboxEndpoint = {
      url: sandbox.url,
      pid: process.pid,
      host: opts.host,
      scenario: scenarioName,
      baseCredentials: sandbox.baseCredentials,
      managementAccountId: sandbox.managementAccountId,
      memberRoleName: sandbox.memberRoleName,
      ...(sandbox.externalId ? { externalId: sandbox.externalId } : {}),
      regions: sandbox.state.defaultRegions,
    };
    mkdirSync(path.dirname(files.endpoint), { recursive: true });
    // The file holds the sandbox's base credentials: readable by this user only.
    writeFileSync(files.endpoint, JSON.stringify(endpoint), { mode: 0o600 });
    log.info(
      { sandboxUrl: sandbox.url, stateFile: store.path, restored: saved !== undefined },
      saved ? "sandbox started with the saved organization" : "sandbox started with a new organization",
    );
    return {
      endpoint,
      async close() {
        clearTimeout(pending);
        saveNow();
        if (readEndpoint(files.endpoint)?.url === sandbox.url) rmSync(files.endpoint, { force: true });
        await sandbox.close();
      },
    };
  };

  /**
   * A host that joined another host's sandbox takes it over, on the same URL and from the saved
   * state, when that host stops (two `serve` processes, or `serve` and `worker`, outlive each other).
   */
  const watchOver = (running: SandboxEndpoint): SharedSandbox => {
    let took: { close(): Promise<void> } | undefined;
    let busy = false;
    const timer = setInterval(() => {
      if (busy || took) return;
      busy = true;
      void (async () => {
        if (await answers(running.url)) return;
        try {
          took = await startOwned(Number(new URL(running.url).port));
          shared.owned = true;
          log.warn({ sandboxUrl: running.url, pid: running.pid }, "the sandbox's process ended; serving it here now");
        } catch (err) {
          // Another host was faster (the port is taken again): keep using it.
          log.debug({ err }, "did not take over the sandbox");
        }
      })().finally(() => {
        busy = false;
      });
    }, WATCH_INTERVAL_MS);
    timer.unref();
    const shared: SharedSandbox = {
      endpoint: running,
      owned: false,
      async close() {
        clearInterval(timer);
        await took?.close();
      },
    };
    return shared;
  };

  const deadline = Date.now() + HOST_WAIT_MS;
  for (;;) {
    const running = readEndpoint(files.endpoint);
    if (running === undefined || running.scenario !== scenarioName || !(await answers(running.url))) break;
    if (running.host || !opts.host) {
      log.debug({ sandboxUrl: running.url, pid: running.pid }, "joined the running sandbox of this installation");
      return opts.host ? watchOver(running) : { endpoint: running, owned: false, close: async () => undefined };
    }
    if (Date.now() > deadline) {
      log.warn(
        { pid: running.pid },
        "a CLI command still holds the sandbox; starting it here (its later changes are lost)",
      );
      break;
    }
    log.info({ pid: running.pid }, "waiting for the CLI command that holds the sandbox to end");
    await new Promise((r) => setTimeout(r, 500));
  }

  const owned = await startOwned(config.sandbox.port);
  return { endpoint: owned.endpoint, owned: true, close: () => owned.close() };
}
