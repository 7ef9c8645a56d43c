// `bedrock-governor report` renders on a worker thread whose heap is bounded (resourceLimits,
// REPORT_RENDER_HEAP_MB; a young generation of 16 MB). Why: a report holds one batch of rows at a
// time (about 30 MB live at 1M events), but V8 sizes a heap's growth by its ceiling, and the
// process default ceiling (a quarter of RAM here) let a 1M-event report reach 272 MB on Node 24
// (larger young generation) where a bounded thread peaks near what it holds. No Node flag is
// needed: the bound is the thread's own. Progress on stderr and a report on stdout pass through the
// thread's stdio, which Node forwards to the process with backpressure.
import { Worker } from "node:worker_threads";
import type { Config } from "../config.js";
import type { ReportJob } from "./report-render.js";

/** Young generation of the thread (MB): larger ones only defer collections of short-lived rows. */
const YOUNG_GENERATION_MB = 16;

// The thread imports the renderer itself: the built JavaScript, or (this module running as
// TypeScript, under tsx) the TypeScript source, once tsx's loader is registered on the thread
// (loader hooks of the main thread do not reach a worker's).
const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(workerData.tsx ? import(workerData.tsx).then((tsx) => tsx.register()) : Promise.resolve())
  .then(() => Promise.all([import(workerData.entry), import(workerData.config)]))
  .then(([m, { loadConfig }]) => m.renderReport(loadConfig(), workerData.job))
  .then(
    (exitCode) => parentPort.postMessage({ exitCode }),
    (err) => parentPort.postMessage({ error: String((err && err.message) || err) }),
  );
`;

const typescript = import.meta.url.endsWith(".ts");
const sibling = (name: string) => new URL(`${name}${typescript ? ".ts" : ".js"}`, import.meta.url).href;

export function renderReportOnThread(config: Readonly<Config>, job: ReportJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, {
      eval: true,
      workerData: {
        entry: sibling("./report-render"),
        config: sibling("../config"),
        tsx: typescript ? import.meta.resolve("tsx/esm/api") : undefined,
        job,
      },
      resourceLimits: {
        maxOldGenerationSizeMb: config.reports.renderHeapMb,
        maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      },
    });
    let outcome: { exitCode?: number; error?: string } = {};
    worker.on("message", (m: typeof outcome) => {
      outcome = m;
    });
    let failure: Error | undefined;
    worker.once("error", (err: Error & { code?: string }) => {
      failure =
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new Error(
              `the report needed more than REPORT_RENDER_HEAP_MB=${config.reports.renderHeapMb} MB of heap to render; raise it`,
            )
          : err;
    });
    // After "exit" the thread's stdio has been flushed to this process's.
    worker.once("exit", (code) => {
      if (failure) reject(failure);
      else if (outcome.error !== undefined) reject(new Error(outcome.error));
      else if (outcome.exitCode !== undefined) resolve(outcome.exitCode);
      else reject(new Error(`the report thread exited with code ${code} before it finished`));
    });
  });
}
