// Runs `prisma generate` without downloading Prisma's native schema engine: generation does not
// use it, and naming any existing file in PRISMA_SCHEMA_ENGINE_BINARY stops the download.
// Where the engines can be fetched (the Docker build), set PRISMA_SCHEMA_ENGINE_BINARY yourself
// or call `npx prisma generate` directly.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, "generate"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
process.exit(result.status ?? 1);
