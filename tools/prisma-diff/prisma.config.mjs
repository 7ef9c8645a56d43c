// Config for the Prisma 6.19 CLI in this folder. The JS engine ("js" + adapter) makes
// `migrate diff` between two datamodels run on the WASM schema engine, with no native
// engine download. The CLI connects through the adapter before diffing (it reads nothing
// and writes nothing), so PRISMA_DIFF_DATABASE_URL must name any reachable PostgreSQL.
import { PrismaPg } from "@prisma/adapter-pg";

export default {
  engine: "js",
  experimental: { adapter: true },
  adapter: async () => {
    const url = process.env.PRISMA_DIFF_DATABASE_URL;
    if (!url) throw new Error("PRISMA_DIFF_DATABASE_URL is not set: give it any reachable PostgreSQL URL");
    // allowExitOnIdle: the CLI would otherwise wait out the pool's idle timeout before exiting.
    return new PrismaPg({ connectionString: url, allowExitOnIdle: true, idleTimeoutMillis: 100 });
  },
};
