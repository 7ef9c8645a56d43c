import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding this package's package.json, whether running from src/ (tsx) or dist/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "bedrock-governor") return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("bedrock-governor package root not found");
    dir = parent;
  }
}

export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return version;
}
