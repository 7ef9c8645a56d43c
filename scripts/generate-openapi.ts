// npm run openapi: writes openapi.yaml at the repository root from the route schemas.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../src/lib/package-root.js";
import { renderOpenApiYaml } from "../src/openapi.js";

const target = path.join(packageRoot(), "openapi.yaml");
writeFileSync(target, await renderOpenApiYaml());
console.log(`wrote ${path.relative(process.cwd(), target) || "openapi.yaml"}`);
