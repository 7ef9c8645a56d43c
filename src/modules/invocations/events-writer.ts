// How ingestion writes: rows are buffered and written in batches of WRITE_BATCH, stored while the
// next batch is read and normalized (at most WRITES_IN_FLIGHT writes at once, so memory stays a
// few batches).
// Reading (JSON, network) runs here and the COPY in PostgreSQL; overlapping them makes ingestion
// cost about the larger of the two instead of their sum. `flush` returns once everything handed
// over is stored, so a checkpoint moved after it never passes an unwritten row; a failed write
// fails the next `add` or `flush`.
import type { InvocationEventsRepository } from "./invocation-events.repository.js";
import type { IngestionJobResult, InvocationRow } from "./invocations.types.js";

/** Rows buffered before one set-based write. */
export const WRITE_BATCH = 5_000;
/**
 * Batches being written at once (each on its own connection): while one commits, PostgreSQL
 * already parses the next, and reading goes on (bench:audit at 400k events: ingestion 0.42 × raw
 * COPY with one in flight, 0.56 with two, 0.50 with three).
 */
export const WRITES_IN_FLIGHT = 2;

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
  let buffer: InvocationRow[] = [];
  const writes: Promise<void>[] = [];
  const stats: IngestionJobResult = { eventsRead: 0, eventsAdded: 0, pages: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  /** Hands the buffer to the database once the batch before it is stored. */
  async function send(): Promise<void> {
    if (buffer.length === 0) return;
    const rows = buffer;
    buffer = [];
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
      const t = row.eventTime.getTime();
      if (t < min) min = t;
      if (t > max) max = t;
      buffer.push(row);
      if (buffer.length >= batch) await send();
    },
    async flush() {
      await send();
      while (writes.length > 0) await writes.shift();
    },
    result() {
      return Number.isFinite(min) ? { ...stats, from: new Date(min), to: new Date(max + 1) } : { ...stats };
    },
  };
}
