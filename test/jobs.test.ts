import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobQueue, type JobQueue } from "../src/jobs/queue.js";
import { createLogger } from "../src/logger.js";
import { migratedDatabase } from "./helpers/app.js";
import type { TestDatabase } from "./helpers/databases.js";
import { eventually } from "./helpers/wait.js";

let db: TestDatabase;
const log = createLogger("silent");
beforeAll(async () => {
  db = await migratedDatabase();
});
afterAll(async () => db?.drop());

const until = (cond: () => boolean) => eventually(cond, Boolean, "condition", { timeoutMs: 15_000, everyMs: 50 });

describe("job queue (pg-boss)", () => {
  it("runs jobs, retries a failing one, and finishes a running job before stopping", async () => {
    const done: string[] = [];
    let attempts = 0;
    let slowFinished = false;
    const queue: JobQueue = createJobQueue({ databaseUrl: db.url, log, concurrency: 2 });
    await queue.start({
      work: true,
      definitions: [
        {
          name: "test.echo",
          handler: async (data) => {
            done.push((data as { n: string }).n);
          },
        },
        {
          name: "test.flaky",
          queue: { retryLimit: 3, retryDelay: 1 },
          handler: async (_data, meta) => {
            attempts++;
            if (meta.retryCount === 0) throw new Error("first try fails");
            done.push("flaky-ok");
          },
        },
        {
          name: "test.slow",
          handler: async () => {
            done.push("slow-started");
            await new Promise((r) => setTimeout(r, 800));
            slowFinished = true;
          },
        },
      ],
    });
    for (const n of ["a", "b", "c"]) await queue.send("test.echo", { n });
    await queue.send("test.flaky", {});
    await until(() => ["a", "b", "c", "flaky-ok"].every((x) => done.includes(x)));
    expect(attempts).toBe(2);

    await queue.send("test.slow", {});
    await until(() => done.includes("slow-started"));
    await queue.stop(5_000);
    expect(slowFinished).toBe(true);
  });

  it("a stately queue keeps one job per singleton key waiting", async () => {
    const queue = createJobQueue({ databaseUrl: db.url, log, concurrency: 1 });
    await queue.start({
      work: false,
      definitions: [{ name: "test.single", queue: { policy: "stately" }, handler: async () => undefined }],
    });
    const first = await queue.send("test.single", {}, { singletonKey: "sync:111:us-east-1" });
    const second = await queue.send("test.single", {}, { singletonKey: "sync:111:us-east-1" });
    expect(first).toBeTypeOf("string");
    expect(second).toBeNull();
    await queue.stop(1_000);
  });
});
