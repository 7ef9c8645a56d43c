// Builds the Prisma client (Prisma 7, query compiler + node-postgres driver adapter: no native
// query engine). Only repositories use the client; services get `Database` for transactions.
import { PrismaPg } from "@prisma/adapter-pg";
import { ConflictError } from "../errors.js";
import { Prisma, PrismaClient } from "../generated/prisma/client.js";

export type Tx = Prisma.TransactionClient;
export type { PrismaClient };

export interface Database {
  readonly client: PrismaClient;
  /** Runs `fn` in one transaction; everything written through `tx` commits or rolls back together. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
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
  return {
    client,
    transaction: (fn, opts) => client.$transaction(fn, { maxWait: 5_000, timeout: opts?.timeoutMs ?? 30_000 }),
    close: () => client.$disconnect(),
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
