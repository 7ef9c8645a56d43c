import { createDatabase } from "../../src/db/prisma.js";

/** A Prisma client on a test database, for repository-level tests. */
export function createPrismaTestClient(url: string) {
  const db = createDatabase({ url, poolSize: 2 });
  return { db, client: db.client, close: () => db.close() };
}
