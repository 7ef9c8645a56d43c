// The raw-SQL part of Prisma's client ($queryRaw, $executeRaw, interactive $transaction) on a
// node-postgres pool, for a process that needs no more: the `report` command renders with raw
// SQL only, and Prisma's query compiler (tens of MB once loaded) is no part of it. The same
// tagged templates run unchanged: Prisma.sql builds the statement, rows come typed as Prisma's
// raw queries give them (bigint as BigInt, timestamps and dates as Date in UTC, JSON parsed).
// Anything else a repository asks of the client (a model delegate) is handed to a Prisma client
// created on first use; inside a transaction there is none: raw SQL only.
import pg from "pg";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";

type Values = unknown[];
type Template = TemplateStringsArray | Prisma.Sql;

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114 };
/** Prisma's raw-query types (node-postgres would give strings for int8 and numeric). */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === OID.int8) return (v: string) => BigInt(v);
    if (oid === OID.numeric) return (v: string) => new Prisma.Decimal(v);
    if (oid === OID.date) return (v: string) => new Date(`${v}T00:00:00.000Z`);
    if (oid === OID.timestamp) return (v: string) => new Date(`${v.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const statement = (t: Template, values: Values): Prisma.Sql =>
  t instanceof Prisma.Sql ? t : Prisma.sql(t, ...(values as Prisma.Sql[]));

interface Runner {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

function rawMethods(run: Runner) {
  const exec = (t: Template, values: Values) => {
    const sql = statement(t, values);
    return run.query({ text: sql.text, values: sql.values as unknown[], types });
  };
  return {
    $queryRaw: async (t: Template, ...values: Values) => (await exec(t, values)).rows,
    $executeRaw: async (t: Template, ...values: Values) => (await exec(t, values)).rowCount ?? 0,
    $queryRawUnsafe: async (text: string, ...values: Values) => (await run.query({ text, values, types })).rows,
    $executeRawUnsafe: async (text: string, ...values: Values) =>
      (await run.query({ text, values, types })).rowCount ?? 0,
  };
}

/** A transaction's client: raw SQL on one connection. */
function transactionClient(c: pg.PoolClient) {
  // One statement at a time, as in Prisma's transactions: a repository may start several at once
  // (Promise.all), and node-postgres deprecates queuing a query on a busy client.
  let last: Promise<unknown> = Promise.resolve();
  const raw = rawMethods({
    query(config) {
      const run = last.then(() => c.query(config));
      last = run.catch(() => undefined);
      return run;
    },
  });
  return new Proxy(raw, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (typeof prop === "symbol" || prop === "then") return undefined;
      throw new Error(`${prop}: a raw-SQL transaction has only $queryRaw and $executeRaw`);
    },
  });
}

/**
 * A client with Prisma's raw-SQL surface on `pool`; `prisma()` supplies the full client the first
 * time anything else is asked for. Typed as PrismaClient for the repositories that take one.
 */
export function createRawClient(pool: pg.Pool, prisma: () => PrismaClient): PrismaClient {
  const raw = {
    ...rawMethods(pool),
    async $transaction<T>(fn: unknown, opts?: { timeout?: number }): Promise<T> {
      if (typeof fn !== "function") throw new Error("a raw-SQL client runs interactive transactions only");
      const c = await pool.connect();
      let broken: unknown;
      try {
        // One round trip (simple query protocol, two statements): sync jobs open thousands of these.
        await c.query(`BEGIN; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(opts?.timeout ?? 30_000))}`);
        const result = (await fn(transactionClient(c))) as T;
        await c.query("COMMIT");
        return result;
      } catch (err) {
        await c.query("ROLLBACK").catch((e: unknown) => {
          broken = e;
        });
        throw err;
      } finally {
        c.release(broken instanceof Error ? broken : undefined);
      }
    },
    async $disconnect() {
      await pool.end();
    },
  };
  return new Proxy(raw, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (typeof prop === "symbol" || prop === "then") return undefined;
      return (prisma() as unknown as Record<string, unknown>)[prop];
    },
  }) as unknown as PrismaClient;
}
