// How ingestion writes: rows are buffered and written in batches of WRITE_BATCH, one batch stored
// while the next is read and normalized (at most one write in flight, so memory stays two batches).
// Reading (JSON, network) runs here and the COPY in PostgreSQL; overlapping them makes ingestion
// cost about the larger of the two instead of their sum. `flush` returns once everything handed
// over is stored, so a checkpoint moved after it never passes an unwritten row; a failed write
// fails the next `add` or `flush`.
import type { InvocationEventsRepository } from "./invocation-events.repository.js";
import type { IngestionJobResult, InvocationRow } from "./invocations.types.js";

/** Rows buffered before one set-based write. */
export const WRITE_BATCH = 5_000;

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
  let writing: Promise<void> | undefined;
  const stats: IngestionJobResult = { eventsRead: 0, eventsAdded: 0, pages: 0 };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;

  /** Hands the buffer to the database once the batch before it is stored. */
  async function send(): Promise<void> {
    if (buffer.length === 0) return;
    const rows = buffer;
    buffer = [];
    await writing;
    const next = events.write(rows).then((added) => {
      stats.eventsAdded += added;
    });
    // Awaited by the next send or flush; a rejection is not unhandled in between.
    next.catch(() => undefined);
    writing = next;
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
      const last = writing;
      writing = undefined;
      await last;
    },
    result() {
      return Number.isFinite(min) ? { ...stats, from: new Date(min), to: new Date(max + 1) } : { ...stats };
    },
  };
}
