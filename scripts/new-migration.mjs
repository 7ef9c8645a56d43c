// Writes prisma/migrations/<timestamp>_<name>/migration.sql from the change to
// prisma/schema.prisma since the last commit (or since --from <file>). Needs a reachable
// PostgreSQL for the diff tool to connect to: PRISMA_DIFF_DATABASE_URL or DATABASE_URL.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderDiff } from "../tools/prisma-diff/diff.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const name = args.find((a) => !a.startsWith("--"));
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:new-migration -- <snake_case_name> [--from <old schema.prisma>]");
  process.exit(2);
}
const fromIdx = args.indexOf("--from");
const work = mkdtempSync(path.join(tmpdir(), "new-migration-"));
try {
  let from = fromIdx >= 0 ? args[fromIdx + 1] : undefined;
  const hasMigrations = readdirSync(path.join(root, "prisma", "migrations")).some((d) => /^\d{14}_/.test(d));
  if (!from && hasMigrations) {
    from = path.join(work, "previous.prisma");
    writeFileSync(from, execFileSync("git", ["show", "HEAD:prisma/schema.prisma"], { cwd: root }));
  }
  const sql = renderDiff({ to: path.join(root, "prisma", "schema.prisma"), from });
  if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
    console.error("schema.prisma has no changes to migrate");
    process.exit(1);
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(root, "prisma", "migrations", `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  console.log(
    `wrote ${path.relative(root, dir)}/migration.sql: review it, add any hand-written SQL (triggers), commit`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
