// Prisma 7 CLI configuration (generate; and migrate deploy/status where Prisma's native
// engines can be downloaded, e.g. the Docker build). The service applies migrations itself.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
