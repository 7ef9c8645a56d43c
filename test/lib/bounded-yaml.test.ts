// The catalog's YAML limits (src/lib/bounded-yaml.ts): each limit the README names (nodes, depth,
// keys per mapping, parse time, worker memory) ends a parse with kind "limit", never a thrown
// error or a parse that runs on. Tiny limits make each one trip on a small document.
import { describe, expect, it } from "vitest";
import { parseYamlInWorker, parseYamlSync, type YamlLimits } from "../../src/lib/bounded-yaml.js";

const ROOMY: YamlLimits = {
  maxNodes: 10_000_000,
  maxDepth: 1_000,
  maxKeysPerMapping: 1_000_000,
  timeoutMs: 60_000,
  maxHeapMb: 512,
};
const SMALL = "entries:\n  - { id: a, model: m, scope: organization }\n  - { id: b, model: n, scope: organization }\n";

/** A sequence of `n` distinct strings: about 30 bytes of text and several heap objects each. */
const bigSequence = (n: number) => {
  const lines = ["items:"];
  for (let i = 0; i < n; i++) lines.push(`  - value-number-${i}-padding-padding`);
  return `${lines.join("\n")}\n`;
};

const BIG = bigSequence(150_000);

describe("bounded YAML", () => {
  it("parses within roomy limits, on the calling thread and in a worker", async () => {
    expect(parseYamlSync(SMALL, ROOMY)).toMatchObject({ ok: true });
    expect(await parseYamlInWorker(SMALL, ROOMY)).toMatchObject({ ok: true });
    // The large document of the time and memory cases is valid: only those limits refuse it.
    expect(await parseYamlInWorker(BIG, ROOMY)).toMatchObject({ ok: true });
  }, 60_000);

  it("more nodes than allowed is a limit", async () => {
    const limits = { ...ROOMY, maxNodes: 5 };
    expect(parseYamlSync(SMALL, limits)).toEqual({ ok: false, kind: "limit", message: "has more than 5 nodes" });
    expect(await parseYamlInWorker(SMALL, limits)).toMatchObject({ ok: false, kind: "limit" });
  });

  it("deeper than allowed is a limit", () => {
    expect(parseYamlSync("a: { b: { c: { d: 1 } } }\n", { ...ROOMY, maxDepth: 2 })).toMatchObject({
      ok: false,
      kind: "limit",
      message: expect.stringContaining("nests deeper than 2 levels"),
    });
  });

  it("more keys in one mapping than allowed is a limit", () => {
    expect(parseYamlSync("a: 1\nb: 2\nc: 3\n", { ...ROOMY, maxKeysPerMapping: 2 })).toMatchObject({
      ok: false,
      kind: "limit",
      message: expect.stringContaining("more than 2 keys"),
    });
  });

  it("a parse that takes longer than allowed is a limit, answered on time", async () => {
    const started = Date.now();
    const outcome = await parseYamlInWorker(BIG, { ...ROOMY, timeoutMs: 50 });
    expect(outcome).toEqual({ ok: false, kind: "limit", message: "takes longer than 50 ms to parse" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a parse that needs more memory than allowed is a limit", async () => {
    const outcome = await parseYamlInWorker(BIG, { ...ROOMY, maxHeapMb: 16 });
    expect(outcome).toEqual({ ok: false, kind: "limit", message: "needs more than 16 MB to parse" });
  }, 60_000);
});
