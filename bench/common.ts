// What every benchmark script shares: integer options, building the production artifact, and the
// peak RSS of a child process.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

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

/**
 * Compiles one benchmark script (and the service code it imports) with tsc into dist/, beside the
 * built service, and returns the compiled file: a baseline process then runs plain JavaScript as the
 * workers do, without the tsx loader's CPU and memory in what it measures. The project's compiler
 * options come from tsconfig.json, through a config in dist/ that extends it with this one file.
 */
export function buildBenchScript(file: string): string {
  const root = path.resolve(import.meta.dirname, "..");
  const config = path.join(root, "dist", `tsconfig.bench-${path.basename(file, ".ts")}.json`);
  mkdirSync(path.dirname(config), { recursive: true });
  writeFileSync(
    config,
    JSON.stringify({
      extends: "../tsconfig.json",
      compilerOptions: { noEmit: false, outDir: ".", rootDir: ".." },
      files: [`../bench/${file}`],
      include: [],
    }),
  );
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  const build = spawnSync(process.execPath, [tsc, "-p", config], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status !== 0) throw new Error(`tsc bench/${file} failed`);
  return path.join(root, "dist/bench", file.replace(/\.ts$/, ".js"));
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

/**
 * Leaves a freshly seeded database in the state a long-running one is in before anything is
 * measured: VACUUM (ANALYZE) sets hint bits and the visibility map and refreshes statistics, a
 * CHECKPOINT writes the seed's dirty pages, then this waits (up to a minute) until no autovacuum
 * worker runs on it. Otherwise the first
 * measurement shares the cores with PostgreSQL's own upkeep of the rows just written.
 */
export async function settleDatabase(url: string, say: (msg: string) => void): Promise<void> {
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const started = performance.now();
    await c.query("VACUUM (ANALYZE)");
    // The seed's dirty pages written now, not by a checkpoint in the middle of a measurement
    // (needs a superuser or pg_checkpoint; skipped without).
    await c.query("CHECKPOINT").catch((err: Error) => say(`no CHECKPOINT before measuring: ${err.message}`));
    for (let i = 0; i < 120; i++) {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE backend_type = 'autovacuum worker' AND datname = current_database()`,
      );
      if ((rows[0]?.n ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    say(
      `database settled (VACUUM ANALYZE, no autovacuum running) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await c.end();
  }
}
