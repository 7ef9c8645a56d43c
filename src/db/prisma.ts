// Builds the Prisma client (Prisma 7, query compiler + node-postgres driver adapter: no native
// query engine). Only repositories use the client; services get `Database` for transactions.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { ConflictError } from "../errors.js";
import { Prisma, PrismaClient } from "../generated/prisma/client.js";

export type Tx = Prisma.TransactionClient;
export type { PrismaClient };

export interface Database {
  readonly client: PrismaClient;
  /** Runs `fn` in one transaction; everything written through `tx` commits or rolls back together. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
  /**
   * A small node-postgres pool for what Prisma cannot do: COPY and server-side cursors (bulk
   * ingestion, streamed reports). Only repositories use it. Created on first use.
   */
  pgPool(): pg.Pool;
  close(): Promise<void>;
}

export function createDatabase(opts: { url: string; poolSize: number; applicationName?: string }): Database {
  const adapter = new PrismaPg({
    connectionString: opts.url,
    max: opts.poolSize,
    application_name: opts.applicationName ?? "bedrock-governor",
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const client = new PrismaClient({ adapter });
  let pool: pg.Pool | undefined;
  return {
    client,
    transaction: (fn, opts) => client.$transaction(fn, { maxWait: 5_000, timeout: opts?.timeoutMs ?? 30_000 }),
    pgPool() {
      pool ??= new pg.Pool({
        connectionString: opts.url,
        max: 3,
        application_name: `${opts.applicationName ?? "bedrock-governor"}-bulk`,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
      });
      // An idle connection the server closed (restart, failover, terminated backend) is dropped
      // by the pool and replaced on the next checkout; unhandled, its error would end the process.
      pool.on("error", () => undefined);
      return pool;
    },
    async close() {
      await client.$disconnect();
      await pool?.end();
    },
  };
}

/** Maps Prisma's known request errors to the service's error family; rethrows the rest. */
export function translatePrismaError(err: unknown, what: string): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === "P2002") throw new ConflictError(`${what} already exists`);
    if (err.code === "P2025") {
      throw new ConflictError(`${what} changed or disappeared meanwhile`, {}, "STALE");
    }
  }
  throw err;
}
