// Builds the Prisma client (Prisma 7, query compiler + node-postgres driver adapter: no native
// query engine). Only repositories use the client; services get `Database` for transactions.

import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "../generated/prisma/client.js";
import { ConflictError } from "../kernel/errors.js";
import { copyInto } from "./copy.js";
import { createRawClient } from "./raw-client.js";

export type Tx = Prisma.TransactionClient;

/**
 * A transaction on a node-postgres connection, for bulk writes Prisma cannot stream: statements
 * and COPY into a table, all committed or rolled back together.
 */
export interface BulkTx {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Streams rows in COPY text format (see db/copy.ts) into `table (columns)`. */
  copy(table: string, columns: readonly string[], lines: Iterable<string>): Promise<void>;
}
export type { PrismaClient };

export interface Database {
  readonly client: PrismaClient;
  /** Runs `fn` in one transaction; everything written through `tx` commits or rolls back together. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { timeoutMs?: number; maxWaitMs?: number }): Promise<T>;
  /**
   * Runs `fn` in one transaction on a node-postgres connection (bulk writes: COPY, large
   * set-based statements). Every statement is cancelled after `timeoutMs`; the transaction rolls
   * back when `fn` throws.
   */
  bulkTransaction<T>(fn: (tx: BulkTx) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
  /**
   * A small node-postgres pool for what Prisma cannot do: COPY and server-side cursors (bulk
   * ingestion, streamed reports). Only repositories use it. Created on first use.
   */
  pgPool(): pg.Pool;
  /**
   * Runs a read-only statement on the API's hot read paths as a named prepared statement on a
   * node-postgres pool: PostgreSQL keeps its plan per connection, and the rows skip the Prisma
   * client's per-query work. Rows come as node-postgres gives them: bigint and numeric columns as
   * strings, timestamps as Date.
   */
  read<T>(sql: Prisma.Sql): Promise<T[]>;
  /**
   * The same database for code that runs raw SQL only, many small statements at a time (the sync
   * jobs' per account-Region writes): $queryRaw, $executeRaw and interactive transactions go
   * straight to node-postgres (raw-client.ts) instead of through Prisma's client and its query
   * compiler; a model delegate outside a transaction is still this Database's Prisma client.
   * Created on first use, closed with this Database.
   */
  sqlOnly(): Database;
  close(): Promise<void>;
}

/** A statement's name: a digest of its text (PostgreSQL keeps the plan under it per connection). */
export const statementName = (text: string) => `bg_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;

/** Connections of the pool `Database.read` runs on, for a Database of `poolSize` connections. */
export const readPoolSize = (poolSize: number) => Math.max(2, Math.ceil(poolSize / 2));

export function createDatabase(opts: {
  url: string;
  poolSize: number;
  applicationName?: string;
  /**
   * `raw`: $queryRaw, $executeRaw and interactive transactions run on node-postgres (raw-client.ts);
   * Prisma's client, and its query compiler, is created only if a model delegate is used (outside
   * transactions). For a process that runs raw SQL only (`report`). Default: `prisma`.
   */
  client?: "prisma" | "raw";
}): Database {
  let prisma: PrismaClient | undefined;
  const fullClient = () =>
    (prisma ??= new PrismaClient({
      adapter: new PrismaPg({
        connectionString: opts.url,
        max: opts.poolSize,
        application_name: opts.applicationName ?? "bedrock-governor",
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
      }),
    }));
  /**
   * A node-postgres pool beside Prisma's. An idle connection the server closed (restart, failover,
   * terminated backend) is dropped by the pool and replaced on the next checkout; unhandled, its
   * error would end the process.
   */
  const openPool = (suffix: string, max: number) => {
    const p = new pg.Pool({
      connectionString: opts.url,
      max,
      application_name: `${opts.applicationName ?? "bedrock-governor"}-${suffix}`,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    p.on("error", () => undefined);
    return p;
  };
  let pool: pg.Pool | undefined;
  let readPool: pg.Pool | undefined;
  // Statement names by text: the hot reads are a few dozen texts (values are parameters), and the
  // digest of a several-kB text would otherwise be taken on every request.
  const statementNames = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = statementNames.get(text);
    if (name === undefined) {
      if (statementNames.size >= 1_000) statementNames.clear();
      name = statementName(text);
      statementNames.set(text, name);
    }
    return name;
  };
  // The raw-SQL client's pool: this Database's client (`raw`) or its `sqlOnly()` view's.
  let rawPool: pg.Pool | undefined;
  const rawClient = () => {
    rawPool = openPool("raw", opts.poolSize);
    return createRawClient(rawPool, fullClient);
  };
  const client = opts.client === "raw" ? rawClient() : fullClient();
  let sqlOnly: Database | undefined;
  const database = (client: PrismaClient, root: boolean): Database => ({
    client,
    transaction: (fn, opts) =>
      client.$transaction(fn, { maxWait: opts?.maxWaitMs ?? 5_000, timeout: opts?.timeoutMs ?? 30_000 }),
    pgPool() {
      pool ??= openPool("bulk", 3);
      return pool;
    },
    async bulkTransaction(fn, o) {
      pool ??= openPool("bulk", 3);
      const c = await pool.connect();
      let broken: unknown;
      try {
        await c.query("BEGIN");
        await c.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(o?.timeoutMs ?? 30_000))}`);
        const result = await fn({
          query: async (text, values) => (await c.query(text, values)).rows,
          copy: (table, columns, lines) => copyInto(c, table, columns, lines),
        });
        await c.query("COMMIT");
        return result;
      } catch (err) {
        // A connection that cannot roll back is not returned to the pool.
        await c.query("ROLLBACK").catch((e: unknown) => {
          broken = e;
        });
        throw err;
      } finally {
        c.release(broken instanceof Error ? broken : undefined);
      }
    },
    async read<T>(sql: Prisma.Sql): Promise<T[]> {
      readPool ??= openPool("read", readPoolSize(opts.poolSize));
      const text = sql.text;
      const result = await readPool.query({ name: nameOf(text), text, values: sql.values as unknown[] });
      return result.rows as T[];
    },
    sqlOnly() {
      if (opts.client === "raw") return self;
      sqlOnly ??= database(rawClient(), false);
      return sqlOnly;
    },
    async close() {
      if (!root) return; // a view: its pools close with the Database it came from
      await rawPool?.end();
      await prisma?.$disconnect();
      await pool?.end();
      await readPool?.end();
    },
  });
  const self = database(client, true);
  return self;
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

/** Prisma's client or a transaction: what a repository method runs its statements on. */
export type Querier = PrismaClient | Tx;

/**
 * Holds a transaction-scoped advisory lock on `key` until the transaction ends: one writer at a
 * time for what the key names (an account-Region, the organization, reconciliation).
 */
export async function lockKey(key: string, tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT ${advisoryLock(key)}) AS l`;
}

/** The expression `lockKey` runs: the transaction-scoped advisory lock on `key`, for a statement that takes it first. */
export const advisoryLock = (key: string): Prisma.Sql => Prisma.sql`pg_advisory_xact_lock(hashtext(${key}))`;

/**
 * Sends data-modifying statements (INSERT, UPDATE or DELETE without RETURNING) as one statement,
 * each a WITH item: one round trip instead of one per statement. They all run against the same
 * snapshot and none sees another's rows, so none may depend on another's effect. Undefined
 * statements (nothing to write) are left out.
 */
export async function writeTogether(statements: ReadonlyArray<Prisma.Sql | undefined>, tx: Tx): Promise<void> {
  const parts = statements.filter((s): s is Prisma.Sql => s !== undefined);
  if (parts.length === 0) return;
  const items = parts.map((s, i) => Prisma.sql`${Prisma.raw(`w${i}`)} AS (${s})`);
  await tx.$executeRaw`WITH ${Prisma.join(items, ", ")} SELECT 1`;
}
