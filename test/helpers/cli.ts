// `bedrock-governor <args>` run from source in a child process, as an operator runs it. Its env
// starts from this process's, with the test database selection cleared; callers add the rest.
import { spawn, spawnSync } from "node:child_process";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ENTRY = ["--import", "tsx", "src/cli.ts"];
const childEnv = (env: Record<string, string>) => ({ ...process.env, TEST_DATABASE_URL: "", ...env });

/** Without blocking this process (a server the test runs keeps answering while the CLI talks to it). */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [...ENTRY, ...args], { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Blocking, for commands that need nothing from this process. */
export function runCliSync(args: string[], env: Record<string, string>, timeoutMs = 60_000) {
  return spawnSync(process.execPath, [...ENTRY, ...args], { env: childEnv(env), encoding: "utf8", timeout: timeoutMs });
}
