import { compareMigrations, type MigrationScript } from "../../db/migrator.js";
import type { SystemEnvironment } from "../system/system.types.js";
import type { HealthRepository } from "./health.repository.js";

export interface Readiness {
  ready: boolean;
  /** Why not ready, in one sentence. */
  reason?: string;
  checks: { database: "ok" | "unreachable"; migrations: "ok" | "pending" | "failed" | "modified" | "unknown" };
  /** `sandbox` when AWS calls go to the built-in AWS sandbox rather than AWS. */
  aws: "aws" | "sandbox";
}

export function createHealthService(deps: {
  repo: HealthRepository;
  migrations: MigrationScript[];
  environment: SystemEnvironment;
}) {
  async function check(): Promise<Omit<Readiness, "aws">> {
    let rows: Awaited<ReturnType<HealthRepository["appliedMigrations"]>>;
    try {
      rows = await deps.repo.appliedMigrations();
    } catch {
      return {
        ready: false,
        reason: "database unreachable",
        checks: { database: "unreachable", migrations: "unknown" },
      };
    }
    const status = compareMigrations(deps.migrations, rows);
    if (status.failed.length) {
      return {
        ready: false,
        reason: `migration ${status.failed[0]} failed`,
        checks: { database: "ok", migrations: "failed" },
      };
    }
    if (status.modified.length) {
      return {
        ready: false,
        reason: `migration ${status.modified[0]} was modified after it was applied`,
        checks: { database: "ok", migrations: "modified" },
      };
    }
    if (status.pending.length) {
      return {
        ready: false,
        reason: `${status.pending.length} migration(s) pending, first ${status.pending[0]}`,
        checks: { database: "ok", migrations: "pending" },
      };
    }
    return { ready: true, checks: { database: "ok", migrations: "ok" } };
  }

  return {
    async readiness(): Promise<Readiness> {
      return { ...(await check()), aws: deps.environment.aws.target };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
