// npm run catalog-schema: writes catalog.schema.json at the repository root from the schema the
// catalog parser validates with (src/modules/catalog/catalog-schema.ts).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../src/lib/package-root.js";
import { renderCatalogJsonSchema } from "../src/modules/catalog/catalog-schema.js";

const target = path.join(packageRoot(), "catalog.schema.json");
writeFileSync(target, renderCatalogJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), target) || "catalog.schema.json"}`);
