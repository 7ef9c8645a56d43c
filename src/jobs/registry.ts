// Every job the service runs, wired to the services that do the work. Schedules come from config.
import type { Config } from "../config.js";
import type { JobDefinition, JobSchedule } from "./queue.js";

export interface JobRegistry {
  definitions: JobDefinition[];
  schedules: JobSchedule[];
}

export function buildJobRegistry(_config: Readonly<Config>): JobRegistry {
  // Inventory sync, reconciliation, request expiry and audit ingestion register here as their
  // modules land; pg-boss needs no queue declared in advance.
  return { definitions: [], schedules: [] };
}
