// How ingestion writes: rows are encoded as they arrive (CopyBatch: their COPY lines as bytes, off
// the V8 heap) and written in batches of WRITE_BATCH, stored while the next batch is read and
// normalized (at most WRITES_IN_FLIGHT writes at once, so memory stays a few batches).
// Reading (JSON, network) runs here and the COPY in PostgreSQL; overlapping them makes ingestion
// cost about the larger of the two instead of their sum. `flush` returns once everything handed
// over is stored, so a checkpoint moved after it never passes an unwritten row; a failed write
// fails the next `add` or `flush`.
import type { InvocationEventsRepository } from "./invocation-events.repository.js";
import { CopyBatch } from "./invocation-events.writes.js";
import type { IngestionJobResult, InvocationRow } from "./invocations.types.js";

/** Rows buffered before one set-based write (bench:audit at 400k events: 5,000 per batch cost a
 * third more PostgreSQL CPU than 10,000; 50,000 left too few batches to overlap). */
export const WRITE_BATCH = 10_000;
/**
 * Batches being written at once (each on its own connection): while one commits, PostgreSQL
 * already parses the next, and reading goes on (bench:audit at 400k events, rows held as objects:
 * ingestion 0.42 × raw COPY with one in flight, 0.56 with two, 0.50 with three).
 */
export const WRITES_IN_FLIGHT = 2;

/**
 * Rows read between two turns of the event loop while a write is in flight. A caller whose rows
 * come from memory (a trail file unzipped and parsed, a page of LookupEvents) never waits on I/O
 * between two `add`s, so the write's replies (each step of it: the probe, the COPY, the commit)
 * would wait for the next batch to fill; yielding lets each step follow the last within a
 * fraction of a millisecond.
 */
const YIELD_EVERY = 250;

export interface EventsWriter {
  readonly stats: IngestionJobResult;
  add(row: InvocationRow | undefined): Promise<void>;
  flush(): Promise<void>;
  /** Counts and the event-time range of what was read. */
  result(): IngestionJobResult;
}

export function createEventsWriter(
  events: Pick<InvocationEventsRepository, "write">,
  batch: number = WRITE_BATCH,
): EventsWriter {
  let buffer = new CopyBatch();
  const writes: Promise<void>[] = [];
  const stats: IngestionJobResult = { eventsRead: 0, eventsAdded: 0, pages: 0 };
  /** Event-time range (ms) of the batches sent. */
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  /** Hands the buffer to the database once the batch before it is stored. */
  async function send(): Promise<void> {
    if (buffer.size === 0) return;
    const rows = buffer;
    buffer = new CopyBatch();
    min = Math.min(min, rows.min);
    max = Math.max(max, rows.max);
    if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
    const next = events.write(rows).then((added) => {
      stats.eventsAdded += added;
    });
    // Awaited by the next send or flush; a rejection is not unhandled in between.
    next.catch(() => undefined);
    writes.push(next);
  }

  return {
    stats,
    async add(row) {
      if (row === undefined) return;
      stats.eventsRead++;
      buffer.add(row);
      if (buffer.size >= batch) await send();
      else if (writes.length > 0 && buffer.size % YIELD_EVERY === 0) await new Promise(setImmediate);
    },
    async flush() {
      await send();
      while (writes.length > 0) await writes.shift();
    },
    result() {
      // Sent batches, and the one still filling.
      const from = Math.min(min, buffer.min);
      const to = Math.max(max, buffer.max);
      return Number.isFinite(from) ? { ...stats, from: new Date(from), to: new Date(to + 1) } : { ...stats };
    },
  };
}
