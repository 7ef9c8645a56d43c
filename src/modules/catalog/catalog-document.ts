// The catalog as a YAML (or JSON) document that teams keep in git: parsing with errors that name
// the path of the bad value, and rendering back in a stable order.
import { Value } from "typebox/value";
import { stringify } from "yaml";
import { UnprocessableError } from "../../kernel/errors.js";
import { parseYamlInWorker, parseYamlSync, type YamlLimits, type YamlOutcome } from "../../lib/bounded-yaml.js";
import type { CatalogEntry } from "./catalog.types.js";
import { CatalogDocumentSchema, type CatalogEntryDoc } from "./catalog-schema.js";

export { CatalogEntryDoc, CatalogEntryId } from "./catalog-schema.js";

function pathOf(instancePath: string): string {
  return instancePath
    .split("/")
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join("")
    .replace(/^\./, "");
}

export function toEntry(doc: CatalogEntryDoc): CatalogEntry {
  const scope: CatalogEntry["scope"] =
    doc.scope === "organization"
      ? { kind: "organization" }
      : "ou" in doc.scope
        ? { kind: "ou", id: doc.scope.ou }
        : { kind: "account", id: doc.scope.account };
  return {
    id: doc.id,
    model: doc.model,
    ...(doc.viaProfiles?.length ? { viaProfiles: [...doc.viaProfiles].sort() } : {}),
    scope,
    ...(doc.regions?.length ? { regions: [...doc.regions].sort() } : {}),
    ...(doc.geography ? { geography: doc.geography } : {}),
    ...(doc.conditions && (doc.conditions.loggingRequired || doc.conditions.guardrailRequired)
      ? {
          conditions: {
            ...(doc.conditions.loggingRequired ? { loggingRequired: true } : {}),
            ...(doc.conditions.guardrailRequired ? { guardrailRequired: true } : {}),
          },
        }
      : {}),
    ...(doc.endpoints?.length && !(doc.endpoints.length === 1 && doc.endpoints[0] === "runtime")
      ? { endpoints: [...doc.endpoints].sort() }
      : {}),
    ...(doc.retentionModes?.length ? { retentionModes: [...doc.retentionModes].sort() } : {}),
    ...(doc.apiKeys ? { apiKeys: true } : {}),
    ...(doc.acceptAgreement ? { acceptAgreement: true } : {}),
    ...(doc.entitlement ? { entitlement: { licenseArn: doc.entitlement.licenseArn } } : {}),
    owner: doc.owner,
    justification: doc.justification,
    ...(doc.expiresAt ? { expiresAt: new Date(doc.expiresAt).toISOString() } : {}),
  };
}

export function toDoc(entry: CatalogEntry): CatalogEntryDoc {
  const scope: CatalogEntryDoc["scope"] =
    entry.scope.kind === "organization"
      ? "organization"
      : entry.scope.kind === "ou"
        ? { ou: entry.scope.id }
        : { account: entry.scope.id };
  return {
    id: entry.id,
    model: entry.model,
    ...(entry.viaProfiles ? { viaProfiles: entry.viaProfiles } : {}),
    scope,
    ...(entry.regions ? { regions: entry.regions } : {}),
    ...(entry.geography ? { geography: entry.geography } : {}),
    ...(entry.conditions ? { conditions: entry.conditions } : {}),
    ...(entry.endpoints ? { endpoints: entry.endpoints } : {}),
    ...(entry.retentionModes ? { retentionModes: entry.retentionModes } : {}),
    ...(entry.apiKeys ? { apiKeys: true } : {}),
    ...(entry.acceptAgreement ? { acceptAgreement: true } : {}),
    ...(entry.entitlement?.licenseArn ? { entitlement: { licenseArn: entry.entitlement.licenseArn } } : {}),
    owner: entry.owner,
    justification: entry.justification,
    ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}),
  };
}

/** Validates one entry document (API bodies reuse this), naming the bad field under `prefix`. */
export function validateEntries(value: unknown, prefix: string): CatalogEntry[] {
  const doc = { entries: value };
  if (!Value.Check(CatalogDocumentSchema, doc)) {
    const errors = [...Value.Errors(CatalogDocumentSchema, doc)].slice(0, 20).map((e) => {
      const field = `${prefix}${pathOf(e.instancePath).replace(/^entries/, "")}`;
      // The schema's one `if`: an entry with an entitlement must name an exact model.
      return e.keyword === "if"
        ? { field: `${field}.entitlement`, message: "needs an exact model id (no *)" }
        : { field, message: e.message };
    });
    throw new UnprocessableError(
      `invalid catalog: ${errors[0]?.field}: ${errors[0]?.message}`,
      errors,
      "INVALID_CATALOG",
    );
  }
  const entries = (value as CatalogEntryDoc[]).map(toEntry);
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    // The one rule JSON Schema cannot state (the published schema says it in words).
    if (seen.has(e.id)) {
      throw new UnprocessableError(
        `duplicate entry id ${e.id}`,
        [{ field: `${prefix}[${i}].id`, message: "duplicate id" }],
        "INVALID_CATALOG",
      );
    }
    seen.add(e.id);
  });
  return entries;
}

/**
 * What parsing one catalog document may cost. The largest catalog (5,000 entries of a dozen fields)
 * has about 100,000 nodes and no mapping of more than 20 keys; nothing in it nests beyond 5 levels.
 */
export const CATALOG_DOCUMENT_LIMITS: YamlLimits = {
  maxNodes: 250_000,
  maxDepth: 16,
  maxKeysPerMapping: 100,
  timeoutMs: 20_000,
  maxHeapMb: 256,
};

/**
 * Parses a catalog document from a request (YAML or JSON) off the event loop. `field` names the
 * document in errors about it as a whole (`body.document`).
 */
export async function parseCatalogRequest(text: string, field: string): Promise<CatalogEntry[]> {
  return catalogOf(await parseYamlInWorker(text, CATALOG_DOCUMENT_LIMITS), field);
}

/** Parses a catalog file (YAML or JSON) on the calling thread, with the same limits. */
export function parseCatalogDocument(text: string, field = "document"): CatalogEntry[] {
  return catalogOf(parseYamlSync(text, CATALOG_DOCUMENT_LIMITS), field);
}

function catalogOf(outcome: YamlOutcome, field: string): CatalogEntry[] {
  if (!outcome.ok && outcome.kind === "limit")
    throw new UnprocessableError(
      `catalog document ${outcome.message}`,
      [{ field, message: outcome.message }],
      "DOCUMENT_TOO_LARGE",
    );
  if (!outcome.ok && outcome.kind === "duplicate")
    throw new UnprocessableError(
      `duplicate key ${outcome.key} at ${outcome.path}`,
      [{ field: outcome.path, message: "duplicate key" }],
      "INVALID_CATALOG",
    );
  if (!outcome.ok)
    throw new UnprocessableError(
      `catalog is not valid YAML: ${outcome.message}`,
      [{ field: "catalog", message: "not YAML" }],
      "INVALID_CATALOG",
    );
  const parsed = outcome.value;
  if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as { entries?: unknown }).entries)) {
    throw new UnprocessableError(
      "catalog must be a mapping with an `entries` list",
      [{ field: "entries", message: "is required" }],
      "INVALID_CATALOG",
    );
  }
  const extra = Object.keys(parsed).filter((k) => k !== "entries");
  if (extra.length)
    throw new UnprocessableError(
      `unknown top-level field ${extra[0]}`,
      [{ field: extra[0] as string, message: "unknown field" }],
      "INVALID_CATALOG",
    );
  return validateEntries((parsed as { entries: unknown }).entries, "entries");
}

/**
 * Where exported documents point editors for the schema (the YAML language server's modeline): a
 * file beside the catalog, written by `bedrock-governor catalog schema > catalog.schema.json`.
 */
export const CATALOG_SCHEMA_HINT = "# yaml-language-server: $schema=./catalog.schema.json";

export function renderCatalogDocument(entries: CatalogEntry[]): string {
  const sorted = [...entries].sort((a, b) => a.id.localeCompare(b.id));
  return `${CATALOG_SCHEMA_HINT}\n# bedrock-governor approved-models catalog\n${stringify({ entries: sorted.map(toDoc) }, { lineWidth: 0 })}`;
}
