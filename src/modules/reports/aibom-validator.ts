// The CycloneDX 1.6 schema check of an AI bill of materials: the library's strict JSON validator
// (Ajv underneath) runs in a worker thread. Compiling the 1.6 schema and the SPDX, JSF and
// cryptography schemas it references takes seconds of CPU (measured: 1.4–2.3 s on two cores); in
// the request's thread that would stall every other request, so the compile happens in the worker,
// once, and later checks take milliseconds. The worker is unref'd: it never keeps a process alive.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** The worker's code (CommonJS, eval'd): it loads the library by its resolved path. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const CDX = require(workerData.library);
const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
parentPort.on("message", async ({ id, json }) => {
  try {
    const errors = await validator.validate(json);
    parentPort.postMessage({ id, errors: errors === null ? null : JSON.parse(JSON.stringify(errors)) });
  } catch (err) {
    parentPort.postMessage({ id, failure: String((err && err.stack) || err) });
  }
});
`;

type Reply = { id: number; errors?: unknown; failure?: string };

export interface BomValidator {
  /** null when the JSON document is a valid CycloneDX 1.6 BOM; otherwise Ajv's errors. */
  validate(json: string): Promise<unknown[] | null>;
  /** Compile the schema now (in the worker), so the first export does not wait for it. */
  warm(): void;
  close(): Promise<void>;
}

export function createBomValidator(): BomValidator {
  const library = createRequire(import.meta.url).resolve("@cyclonedx/cyclonedx-library");
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve(v: unknown[] | null): void; reject(e: Error): void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = undefined;
  };

  const started = (): Worker => {
    if (worker) return worker;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { library } });
    w.unref();
    w.on("message", (m: Reply) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.failure !== undefined) p.reject(new Error(`CycloneDX validator failed: ${m.failure}`));
      else p.resolve(m.errors === null || m.errors === undefined ? null : (m.errors as unknown[]));
    });
    w.on("error", (err) => failAll(err));
    w.on("exit", (code) => failAll(new Error(`CycloneDX validator worker exited (${code})`)));
    worker = w;
    return w;
  };

  const validate = (json: string) =>
    new Promise<unknown[] | null>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      started().postMessage({ id, json });
    });

  return {
    validate,
    warm() {
      // A minimal valid BOM: the answer is discarded, the compiled schema stays.
      validate('{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}').catch(() => undefined);
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
