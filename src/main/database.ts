// Where the database is: DATABASE_URL, or the embedded PostgreSQL (started, or joined when
// another process of this installation already runs it).
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { startEmbeddedPostgres } from "../db/embedded-postgres.js";

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function resolveDatabase(config: Readonly<Config>, log: Logger): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const pgLog = log.child({ component: "embedded-postgres" });
  const started = Date.now();
  const handle = await startEmbeddedPostgres({ ...config.embeddedPostgres, onLog: (line) => pgLog.debug(line) });
  log.info(
    {
      dataDir: config.embeddedPostgres.dataDir,
      port: handle.port,
      owned: handle.owned,
      ms: Date.now() - started,
    },
    handle.owned ? "embedded PostgreSQL started (DATABASE_URL is not set)" : "joined the running embedded PostgreSQL",
  );
  return { url: handle.databaseUrl, embedded: true, stop: () => handle.stop() };
}
