// YAML (and JSON) documents with bounded work: limits on nodes, depth and keys per mapping, and key
// uniqueness checked with one Set per mapping. The `yaml` package's own check compares every key
// with every other one: a mapping of 40,000 keys took 26 s. Request documents are parsed in a
// worker thread with a time and memory limit, so even a large valid one never blocks the event loop.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import * as YAML from "yaml";

export interface YamlLimits {
  /** Nodes of every kind (scalars, keys, collections). */
  maxNodes: number;
  maxDepth: number;
  maxKeysPerMapping: number;
  /** Wall time of a parse in a worker; the worker is terminated after it. */
  timeoutMs: number;
  /** Heap of the worker. */
  maxHeapMb: number;
}

export type YamlOutcome =
  | { ok: true; value: unknown }
  /** The text is not YAML. */
  | { ok: false; kind: "syntax"; message: string }
  /** A key appears twice in one mapping; `path` names it (`entries[0].owner`). */
  | { ok: false; kind: "duplicate"; path: string; key: string }
  /** Over a limit: too many nodes or keys, too deep, too slow, too much memory. */
  | { ok: false; kind: "limit"; message: string };

/**
 * Parses and checks `text`. Self-contained on purpose (it uses only its parameters and language
 * built-ins): the worker runs this same function from its source text.
 */
export function parseYamlChecked(yaml: typeof YAML, text: string, limits: YamlLimits): YamlOutcome {
  const keyPath = (path: string, key: string | number): string => {
    if (typeof key === "number") return `${path}[${key}]`;
    if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path ? `${path}.${key}` : key;
    return `${path}[${JSON.stringify(key)}]`;
  };
  const doc = yaml.parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) return { ok: false, kind: "syntax", message: doc.errors[0]?.message ?? "invalid" };
  let nodes = 0;
  const stack: Array<{ node: unknown; path: string; depth: number }> = [{ node: doc.contents, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop() as { node: unknown; path: string; depth: number };
    if (node === null || node === undefined) continue;
    const where = path || "the top level";
    if (++nodes > limits.maxNodes)
      return { ok: false, kind: "limit", message: `has more than ${limits.maxNodes} nodes` };
    if (depth > limits.maxDepth)
      return { ok: false, kind: "limit", message: `nests deeper than ${limits.maxDepth} levels at ${where}` };
    if (yaml.isMap(node)) {
      if (node.items.length > limits.maxKeysPerMapping)
        return {
          ok: false,
          kind: "limit",
          message: `has a mapping of more than ${limits.maxKeysPerMapping} keys at ${where}`,
        };
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!yaml.isScalar(pair.key))
          return { ok: false, kind: "syntax", message: `a key at ${where} is not a plain value` };
        nodes++;
        const key = String(pair.key.value);
        if (seen.has(key)) return { ok: false, kind: "duplicate", path: keyPath(path, key), key };
        seen.add(key);
        stack.push({ node: pair.value, path: keyPath(path, key), depth: depth + 1 });
      }
    } else if (yaml.isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--)
        stack.push({ node: node.items[i], path: keyPath(path, i), depth: depth + 1 });
    }
  }
  return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) };
}

/** On the calling thread: for trusted files (the CLI) where blocking is harmless. */
export function parseYamlSync(text: string, limits: YamlLimits): YamlOutcome {
  try {
    return parseYamlChecked(YAML, text, limits);
  } catch (err) {
    return { ok: false, kind: "syntax", message: (err as Error).message };
  }
}

// The worker runs the source text of parseYamlChecked (a worker cannot load this module itself
// when it runs as TypeScript under the test runner), handed the path of `yaml` to require.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const parseYamlChecked = (${parseYamlChecked.toString()});
let outcome;
try {
  outcome = parseYamlChecked(require(workerData.yamlPath), workerData.text, workerData.limits);
} catch (err) {
  outcome = { ok: false, kind: "syntax", message: String((err && err.message) || err) };
}
parentPort.postMessage(outcome);
`;

const yamlPath = createRequire(import.meta.url).resolve("yaml");

/** In a worker thread within `limits`; rejects only when the worker itself fails. */
export function parseYamlInWorker(text: string, limits: YamlLimits): Promise<YamlOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { text, limits, yamlPath },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 32 },
    });
    let settled = false;
    const settle = (outcome: YamlOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(
      () => settle({ ok: false, kind: "limit", message: `takes longer than ${limits.timeoutMs} ms to parse` }),
      limits.timeoutMs,
    );
    worker.once("message", (outcome: YamlOutcome) => settle(outcome));
    worker.once("error", (err: Error & { code?: string }) =>
      settle(
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? { ok: false, kind: "limit", message: `needs more than ${limits.maxHeapMb} MB to parse` }
          : err,
      ),
    );
    worker.once("exit", (code) => settle(new Error(`the YAML worker exited with code ${code} before answering`)));
  });
}
