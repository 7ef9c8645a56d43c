import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files run in parallel processes; each gets its own databases.
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
