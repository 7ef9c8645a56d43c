import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineEvent, defineJob, worker } from "../../src/jobs/job.js";
import { createJobQueue, type JobQueue } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/logger.js";
import type { TestDatabase } from "../../support/postgres/databases.js";
import { migratedDatabase } from "../helpers/app.js";
import { eventually } from "../helpers/wait.js";

let db: TestDatabase;
const log = createLogger("silent");
beforeAll(async () => {
  db = await migratedDatabase();
});
afterAll(async () => db?.drop());

const until = (cond: () => boolean) => eventually(cond, Boolean, "condition", { timeoutMs: 15_000, everyMs: 50 });

describe("job queue (pg-boss)", () => {
  it("refuses to queue before it is started, naming the job, instead of failing inside pg-boss", async () => {
    const queue = createJobQueue({ databaseUrl: db.url, log, concurrency: 1 });
    await expect(queue.send(defineJob<Record<string, never>>("test.early", { retryLimit: 0 }), {})).rejects.toThrow(
      "the job queue is not started: test.early cannot be queued",
    );
  });

  it("runs jobs, retries a failing one, and finishes a running job before stopping", async () => {
    const done: string[] = [];
    let attempts = 0;
    const lastAttempts: boolean[] = [];
    let slowFinished = false;
    const echo = defineJob<{ n: string }>("test.echo", { retryLimit: 0 });
    const flaky = defineJob<Record<string, never>>("test.flaky", { retryLimit: 1, retryDelaySeconds: 1 });
    const slow = defineJob<Record<string, never>>("test.slow", { retryLimit: 0 });
    const queue: JobQueue = createJobQueue({ databaseUrl: db.url, log, concurrency: 2 });
    await queue.start({
      work: true,
      jobs: [
        {
          workers: [
            worker(echo, async ({ n }) => {
              done.push(n);
            }),
            worker(flaky, async (_payload, attempt) => {
              attempts++;
              // The queue says which attempt is the last one: the retry limit is written once, in defineJob.
              lastAttempts.push(attempt.lastAttempt);
              if (attempt.retryCount === 0) throw new Error("first try fails");
              done.push("flaky-ok");
            }),
            worker(slow, async () => {
              done.push("slow-started");
              await new Promise((r) => setTimeout(r, 800));
              slowFinished = true;
            }),
          ],
          schedules: [],
        },
      ],
    });
    for (const n of ["a", "b", "c"]) await queue.send(echo, { n });
    await queue.send(flaky, {});
    await until(() => ["a", "b", "c", "flaky-ok"].every((x) => done.includes(x)));
    expect(attempts).toBe(2);
    expect(lastAttempts).toEqual([false, true]);

    await queue.send(slow, {});
    await until(() => done.includes("slow-started"));
    await queue.stop(5_000);
    expect(slowFinished).toBe(true);
  });

  it("a stately queue keeps one job per singleton key waiting", async () => {
    const single = defineJob<Record<string, never>>("test.single", { policy: "stately", retryLimit: 0 });
    const queue = createJobQueue({ databaseUrl: db.url, log, concurrency: 1 });
    await queue.start({ work: false, jobs: [{ workers: [worker(single, async () => undefined)], schedules: [] }] });
    const first = await queue.send(single, {}, { singletonKey: "sync:111:us-east-1" });
    const second = await queue.send(single, {}, { singletonKey: "sync:111:us-east-1" });
    expect(first).toBeTypeOf("string");
    expect(second).toBeNull();
    await queue.stop(1_000);
  });

  it("an event puts one job on the queue of every subscriber, and none elsewhere", async () => {
    const happened = defineEvent<{ runId: string }>("test.something-happened");
    const seenA: string[] = [];
    const seenB: string[] = [];
    let other = 0;
    const a = defineJob<{ runId: string }>("test.react-a", { retryLimit: 0 });
    const b = defineJob<{ runId?: string; extra?: number }>("test.react-b", { retryLimit: 0 });
    const unrelated = defineJob<{ runId: string }>("test.unrelated", { retryLimit: 0 });
    const queue = createJobQueue({ databaseUrl: db.url, log, concurrency: 1 });
    await queue.start({
      work: true,
      jobs: [
        {
          workers: [
            worker(a, async ({ runId }) => void seenA.push(runId), {
              subscribesTo: [happened],
              pollingIntervalSeconds: 0.2,
            }),
            worker(b, async ({ runId }) => void seenB.push(runId ?? "?"), {
              subscribesTo: [happened],
              pollingIntervalSeconds: 0.2,
            }),
            worker(unrelated, async () => void other++, { pollingIntervalSeconds: 0.2 }),
          ],
          schedules: [],
        },
      ],
    });
    await queue.publish(happened, { runId: "r1" });
    await until(() => seenA.length === 1 && seenB.length === 1);
    expect(seenA).toEqual(["r1"]);
    expect(seenB).toEqual(["r1"]);
    expect(other).toBe(0);
    await queue.stop(2_000);
  });
});
