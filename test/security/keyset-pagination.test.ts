// Keyset pagination everywhere: no repository pages with OFFSET (or Prisma's `skip`), whose cost
// grows with the page number. The API benchmark shows a deep page costs what the first one does.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

describe("keyset pagination", () => {
  it("no query in src/modules pages with OFFSET or skip", async () => {
    const files = await sources("src/modules");
    expect(files.some((f) => f.endsWith(".repository.ts"))).toBe(true);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, "utf8");
      text.split("\n").forEach((line, i) => {
        if (/\bOFFSET\b/i.test(line) || /\bskip\s*:/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
