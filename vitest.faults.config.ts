// `npm run test:faults`: the slow fault-tolerance tests (PostgreSQL restarts, AWS outages), kept
// out of `npm test`. Same global setup: one PostgreSQL server and a migrated template.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 1,
    reporters: ["default"],
  },
});
