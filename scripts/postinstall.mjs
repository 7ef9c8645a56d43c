// After `npm install`: generate the Prisma client, and install the offline migration-diff tool
// (tools/prisma-diff, Prisma 6.19 on its WASM schema engine) used by the drift check and by
// `npm run db:new-migration`. Skipped for production installs (`--omit=dev`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", shell: process.platform === "win32", ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

const omit = (process.env.npm_config_omit ?? "").split(/[\s,]+/);
const production = omit.includes("dev") || process.env.NODE_ENV === "production";

run(process.execPath, [path.join(root, "scripts", "prisma-generate.mjs")]);

if (!production) {
  const tool = path.join(root, "tools", "prisma-diff");
  if (!existsSync(path.join(tool, "node_modules", "prisma"))) {
    run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tool });
  }
}
