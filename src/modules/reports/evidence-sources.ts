// Where an evidence package's other files come from: the catalog service (entries in force, as
// the YAML document), the audit service (the chain head, signed when a key is configured) and the
// versioned control mapping shipped with the service.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { SYSTEM_PRINCIPAL } from "../../kernel/principal.js";
import { packageRoot } from "../../lib/package-root.js";
import type { AuditService } from "../audit/audit.service.js";
import type { CatalogService } from "../catalog/catalog.service.js";
import { renderCatalogDocument } from "../catalog/catalog-document.js";
import type { EvidenceSources } from "./evidence-package.js";

/** The versioned mapping of report sections to the controls they evidence (in the repository). */
export const CONTROL_MAPPING_FILE = path.join("compliance", "control-mapping.yaml");

export function createEvidenceSources(deps: {
  catalog: Pick<CatalogService, "entries">;
  audit: Pick<AuditService, "exportHead">;
  clock: { now(): Date };
}): EvidenceSources {
  return {
    catalogYaml: async () => renderCatalogDocument(await deps.catalog.entries(deps.clock.now())),
    auditHead: () => deps.audit.exportHead({ principal: SYSTEM_PRINCIPAL, requestId: "report-evidence" }),
    async controlMapping() {
      try {
        return await readFile(path.join(packageRoot(), CONTROL_MAPPING_FILE), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
  };
}
