// The database gauges read on each /metrics scrape: job queue depth and age per queue, open
// findings by type. One query each, under a statement timeout, so a scrape stays cheap when the
// tables are large or the database is slow.
import type { Database } from "../../db/prisma.js";
import type { MetricsCollectors, QueueStat } from "../../lib/metrics.js";

/** A scrape must never hold a connection for long: the query is cancelled past this. */
const STATEMENT_TIMEOUT = "1500ms";

export function createMetricsRepository(db: Database): MetricsCollectors {
  const client = db.client;
  return {
    async queueStats(): Promise<QueueStat[]> {
      // pg-boss 10: job states are an enum ordered created < retry < active < completed…; the
      // partial index on (name, start_after) WHERE state < 'active' serves the waiting part.
      // A job is waiting once its start_after has passed (delayed and backing-off jobs are not).
      const [, rows] = await client.$transaction([
        client.$executeRawUnsafe(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`),
        client.$queryRaw<Array<{ queue: string; waiting: bigint; active: bigint; oldest: number | null }>>`
          SELECT name AS queue,
            count(*) FILTER (WHERE state < 'active' AND start_after <= now()) AS waiting,
            count(*) FILTER (WHERE state = 'active') AS active,
            extract(epoch FROM now() - min(start_after) FILTER (WHERE state < 'active' AND start_after <= now()))::float8
              AS oldest
          FROM pgboss.job WHERE state < 'completed'
          GROUP BY name
          UNION ALL
          SELECT q.name, 0, 0, NULL FROM pgboss.queue q
          WHERE NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = q.name AND j.state < 'completed')`,
      ]);
      return rows.map((r) => ({
        queue: r.queue,
        waiting: Number(r.waiting),
        active: Number(r.active),
        oldestWaitingSeconds: Math.max(0, r.oldest ?? 0),
      }));
    },

    async openFindingsByType() {
      const [, rows] = await client.$transaction([
        client.$executeRawUnsafe(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`),
        client.$queryRaw<Array<{ type: string; count: bigint }>>`
          SELECT type, count(*) AS count FROM findings WHERE status = 'open' GROUP BY type`,
      ]);
      return rows.map((r) => ({ type: r.type, count: Number(r.count) }));
    },
  };
}
