// What the inventory already knows that the doctor falls back to when a live call cannot answer:
// the Regions where a model was seen, the account's lineage, the account's synced Regions.
import type { Database } from "../../db/prisma.js";
import { createPolicyFactsRepository } from "../catalog/policy-facts.repository.js";

export interface InventoryModelRow {
  region: string;
  provider: string;
  inferenceTypes: string[];
  regionAvailability: string | null;
  agreementStatus: string | null;
  authorizationStatus: string | null;
  entitlementAvailability: string | null;
}

export function createDoctorRepository(db: Database) {
  const client = db.client;
  // The organization tree is read the way the policy compiler reads it.
  const facts = createPolicyFactsRepository(db);
  return {
    /** The account's rows for a model, every synced Region. */
    async modelRows(accountId: string, modelId: string): Promise<InventoryModelRow[]> {
      const rows = await client.modelAccess.findMany({
        where: { accountId, modelId },
        select: {
          region: true,
          provider: true,
          inferenceTypes: true,
          regionAvailability: true,
          agreementStatus: true,
          authorizationStatus: true,
          entitlementAvailability: true,
        },
        orderBy: { region: "asc" },
      });
      return rows;
    },

    /** Regions where any account of the organization was seen offering the model. */
    async regionsOffering(modelId: string): Promise<string[]> {
      const rows = await client.modelAccess.findMany({
        where: { modelId, NOT: { regionAvailability: "NOT_AVAILABLE" } },
        select: { region: true },
        distinct: ["region"],
        orderBy: { region: "asc" },
      });
      return rows.map((r) => r.region);
    },

    /** Regions the inventory syncs for the account. */
    async accountRegions(accountId: string): Promise<string[]> {
      const rows = await client.accountRegion.findMany({
        where: { accountId },
        select: { region: true },
        orderBy: { region: "asc" },
      });
      return rows.map((r) => r.region);
    },

    /** account, its OUs, root (nearest first), as last synced; undefined when the account is unknown. */
    lineage: (accountId: string): Promise<string[] | undefined> => facts.lineage(accountId),
  };
}

export type DoctorRepository = ReturnType<typeof createDoctorRepository>;
