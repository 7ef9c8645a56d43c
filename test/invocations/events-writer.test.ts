// The ingestion writer overlaps reading with writing: batches are stored while the next is read,
// never more than WRITES_IN_FLIGHT writes at once, and `flush` returns only once everything is stored (the
// checkpoint moves after it). The repository's `write` is replaced here by a function typed as
// it (the real one runs in the ingestion tests against PostgreSQL) so the ordering can be watched.
import { describe, expect, it } from "vitest";
import { createEventsWriter, WRITES_IN_FLIGHT } from "../../src/modules/invocations/events-writer.js";
import type { InvocationEventsRepository } from "../../src/modules/invocations/invocation-events.repository.js";
import { CopyBatch } from "../../src/modules/invocations/invocation-events.writes.js";
import { invocationRow } from "./helpers.js";

/** A `write` whose calls stay pending until released, recording what was in flight. */
function controlledWrite() {
  const calls: { rows: number; release(fail?: Error): void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write: InvocationEventsRepository["write"] = (batch) => {
    const rows = batch instanceof CopyBatch ? batch.size : batch.length;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<number>((resolve, reject) => {
      calls.push({
        rows,
        release: (fail) => {
          inFlight--;
          if (fail) reject(fail);
          else resolve(rows);
        },
      });
    });
  };
  return { write, calls, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("events writer", () => {
  it("reads on while batches are written, never more than WRITES_IN_FLIGHT at once, and flush waits for all", async () => {
    expect(WRITES_IN_FLIGHT).toBe(2);
    const db = controlledWrite();
    const w = createEventsWriter({ write: db.write }, 3);
    for (let i = 0; i < 6; i++) await w.add(invocationRow(i));
    expect(db.calls).toHaveLength(2); // two batches being written, reading went on
    for (let i = 6; i < 8; i++) await w.add(invocationRow(i));
    const ninth = w.add(invocationRow(8)); // fills a third batch: waits for the first write
    await tick();
    expect(db.calls).toHaveLength(2);
    db.calls[0]?.release();
    await ninth;
    expect(db.calls).toHaveLength(3);
    await w.add(invocationRow(9));
    let flushed = false;
    const flush = w.flush().then(() => {
      flushed = true;
    });
    await tick();
    expect(flushed).toBe(false);
    db.calls[1]?.release();
    await tick();
    db.calls[2]?.release();
    await tick();
    db.calls[3]?.release();
    await flush;
    expect(db.calls.map((c) => c.rows)).toEqual([3, 3, 3, 1]);
    expect(db.maxInFlight()).toBe(2);
    expect(w.result()).toMatchObject({ eventsRead: 10, eventsAdded: 10, from: invocationRow(0).eventTime });
    expect(w.result().to?.getTime()).toBe(invocationRow(9).eventTime.getTime() + 1);
  });

  it("a failed write fails the next add, without an unhandled rejection in between", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      const db = controlledWrite();
      const w = createEventsWriter({ write: db.write }, 2);
      for (let i = 0; i < 4; i++) await w.add(invocationRow(i)); // two writes in flight
      db.calls[0]?.release(new Error("connection lost"));
      await tick();
      await tick();
      await w.add(invocationRow(4)); // buffered: nothing awaits the failed write yet
      await expect(w.add(invocationRow(5))).rejects.toThrow("connection lost");
      expect(w.stats.eventsAdded).toBe(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("a failed last write fails flush", async () => {
    const db = controlledWrite();
    const w = createEventsWriter({ write: db.write }, 10);
    await w.add(invocationRow(0));
    const flush = w.flush();
    await tick();
    db.calls[0]?.release(new Error("disk full"));
    await expect(flush).rejects.toThrow("disk full");
  });
});
