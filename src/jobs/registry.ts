// Every job the service runs, wired to the services that do the work. Schedules come from config.
import type { Services } from "../composition.js";
import type { JobDefinition, JobSchedule } from "./queue.js";

export interface JobRegistry {
  definitions: JobDefinition[];
  schedules: JobSchedule[];
}

export function buildJobRegistry(services: Services): JobRegistry {
  return {
    // Reconciliation runs after each finished sync run (the sync service calls it) and on demand.
    definitions: [
      ...services.sync.jobDefinitions(),
      ...services.reconcile.jobDefinitions(),
      ...services.invocations.jobDefinitions(),
      ...services.reports.jobDefinitions(),
      ...services.provisioning.jobDefinitions(),
      ...services.webhooks.jobDefinitions(),
    ],
    schedules: [
      ...services.sync.schedules(),
      ...services.invocations.schedules(),
      ...services.provisioning.schedules(),
    ],
  };
}
