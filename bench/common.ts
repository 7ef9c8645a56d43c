// What every benchmark script shares: integer options, building the production artifact, and the
// peak RSS of a child process.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";

/** A positive integer option of `parseArgs` values, or a one-line error naming it. */
export function positiveInt<K extends string>(args: Partial<Record<K, string | boolean | undefined>>, name: K): number {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** `npm run build`: benchmarks measure the production artifact (dist), as a deployment runs it. */
export function buildDist(): void {
  const build = spawnSync("npm", ["run", "build", "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("npm run build failed");
}

/** Peak resident set (VmHWM, Linux) of a process in MB; undefined once it has exited. */
export async function peakRssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return undefined;
  }
}
