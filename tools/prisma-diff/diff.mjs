// Renders the SQL that takes one Prisma datamodel to another, offline.
// Usage: node tools/prisma-diff/diff.mjs --to prisma/schema.prisma [--from old.prisma]
// Without --from, diffs from an empty database. The CLI wants a reachable PostgreSQL
// (--database-url, PRISMA_DIFF_DATABASE_URL or DATABASE_URL); it only connects.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Prisma 7 schemas carry no datasource url; Prisma 6 requires one, so a copy gets it. */
function asPrisma6Schema(source) {
  if (/^\s*url\s*=/m.test(source)) return source;
  return source.replace(/datasource\s+(\w+)\s*\{/, (m) => `${m}\n  url = env("PRISMA_DIFF_UNUSED_URL")`);
}

export function renderDiff({ to, from, databaseUrl }) {
  const cli = path.join(here, "node_modules", "prisma", "build", "index.js");
  const work = mkdtempSync(path.join(tmpdir(), "prisma-diff-"));
  try {
    const toFile = path.join(work, "to.prisma");
    writeFileSync(toFile, asPrisma6Schema(readFileSync(to, "utf8")));
    const args = [cli, "migrate", "diff", "--config", path.join(here, "prisma.config.mjs"), "--script"];
    if (from) {
      const fromFile = path.join(work, "from.prisma");
      writeFileSync(fromFile, asPrisma6Schema(readFileSync(from, "utf8")));
      args.push("--from-schema-datamodel", fromFile);
    } else {
      args.push("--from-empty");
    }
    args.push("--to-schema-datamodel", toFile);
    const result = spawnSync(process.execPath, args, {
      encoding: "utf8",
      env: {
        ...process.env,
        PRISMA_DIFF_UNUSED_URL: "postgresql://unused@127.0.0.1:1/unused",
        PRISMA_DIFF_DATABASE_URL: databaseUrl ?? process.env.PRISMA_DIFF_DATABASE_URL ?? process.env.DATABASE_URL ?? "",
        // Any existing file stops the CLI from downloading native engines it will not use.
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
        PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? process.execPath,
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
      },
    });
    if (result.status !== 0) {
      throw new Error(`prisma migrate diff failed (${result.status}): ${result.stderr || result.stdout}`);
    }
    // Drop the CLI's banner lines; keep only SQL.
    return result.stdout
      .split("\n")
      .filter((line) => !line.startsWith("Loaded Prisma config") && !line.startsWith("Prisma config detected"))
      .join("\n")
      .replace(/^\s+/, "");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const to = arg("--to");
  if (!to) {
    console.error("usage: diff.mjs --to <schema.prisma> [--from <old.prisma>] [--database-url <url>]");
    process.exit(2);
  }
  process.stdout.write(renderDiff({ to, from: arg("--from"), databaseUrl: arg("--database-url") }));
}
