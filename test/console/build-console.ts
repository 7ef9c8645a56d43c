// Builds the web console (vite build) once per test run, from the current sources whatever
// dist/web holds: the first browser test file to ask builds into a folder named by the run
// (test/global-setup.ts removes it at the end), the others reuse it. Two files asking at once
// both build into their own folder and the first rename wins; the loser's copy is dropped.
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "vite";
import { inject } from "vitest";
import { packageRoot } from "../../src/lib/package-root.js";

/** The folder of this run's console build (also known to the global teardown). */
export const consoleBuildDir = (runPrefix: string) => path.join(tmpdir(), `bg-console-${runPrefix}`);

export async function buildConsole(): Promise<{ dir: string; remove(): void }> {
  const dir = consoleBuildDir(inject("pgRunPrefix"));
  const keep = { dir, remove: () => {} };
  if (existsSync(path.join(dir, "index.html"))) return keep;
  const scratch = mkdtempSync(path.join(tmpdir(), "bg-console-build-"));
  await build({
    configFile: path.join(packageRoot(), "web", "vite.config.ts"),
    build: { outDir: scratch, emptyOutDir: true },
    logLevel: "error",
  });
  try {
    renameSync(scratch, dir);
  } catch {
    rmSync(scratch, { recursive: true, force: true });
  }
  return keep;
}
