// The catalog as a YAML (or JSON) document that teams keep in git: parsing with errors that name
// the path of the bad value, and rendering back in a stable order.
import { type Static, Type } from "typebox";
import { Value } from "typebox/value";
import { parse, stringify } from "yaml";
import { AccountIdSchema, ModelPatternSchema, ParentIdSchema, RegionSchema } from "../../kernel/aws-ids.js";
import { UnprocessableError } from "../../kernel/errors.js";
import { CATALOG_RETENTION_MODES, type CatalogEntry, ENDPOINTS, GEOGRAPHIES } from "./catalog.types.js";

const ScopeDoc = Type.Union([
  Type.Literal("organization"),
  Type.Object({ ou: ParentIdSchema() }, { additionalProperties: false }),
  Type.Object({ account: AccountIdSchema() }, { additionalProperties: false }),
]);

/** A catalog entry's id: a slug chosen by the team. */
export const CatalogEntryId = (opts: { description?: string } = {}) =>
  Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{0,63}$", ...opts });

export const CatalogEntryDoc = Type.Object(
  {
    id: CatalogEntryId({ description: "Stable id (slug)" }),
    model: ModelPatternSchema({
      minLength: 3,
      maxLength: 256,
      description: "Model id or pattern with *",
    }),
    viaProfiles: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 256 }), { uniqueItems: true, maxItems: 20 }),
    ),
    scope: ScopeDoc,
    regions: Type.Optional(Type.Array(RegionSchema(), { uniqueItems: true, minItems: 1, maxItems: 40 })),
    geography: Type.Optional(Type.Enum([...GEOGRAPHIES])),
    conditions: Type.Optional(
      Type.Object(
        { loggingRequired: Type.Optional(Type.Boolean()), guardrailRequired: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
    endpoints: Type.Optional(
      Type.Array(Type.Enum([...ENDPOINTS]), {
        uniqueItems: true,
        minItems: 1,
        description: "Surfaces the model may be used on (runtime, mantle, claude_platform); unset: runtime only",
      }),
    ),
    retentionModes: Type.Optional(
      Type.Array(Type.Enum([...CATALOG_RETENTION_MODES]), {
        uniqueItems: true,
        minItems: 1,
        description: "Data-retention modes under which the model may be used; unset: any",
      }),
    ),
    acceptAgreement: Type.Optional(
      Type.Boolean({
        description: "Remediation may accept the model's Marketplace agreement in the accounts this entry covers",
      }),
    ),
    owner: Type.String({ minLength: 1, maxLength: 256 }),
    justification: Type.String({ minLength: 1, maxLength: 2048 }),
    expiresAt: Type.Optional(Type.String({ format: "date-time" })),
  },
  { additionalProperties: false, title: "CatalogEntry" },
);
export type CatalogEntryDoc = Static<typeof CatalogEntryDoc>;

const CatalogDoc = Type.Object(
  { entries: Type.Array(CatalogEntryDoc, { maxItems: 5000 }) },
  { additionalProperties: false },
);

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
    ...(doc.acceptAgreement ? { acceptAgreement: true } : {}),
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
    ...(entry.acceptAgreement ? { acceptAgreement: true } : {}),
    owner: entry.owner,
    justification: entry.justification,
    ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}),
  };
}

/** Validates one entry document (API bodies reuse this), naming the bad field under `prefix`. */
export function validateEntries(value: unknown, prefix: string): CatalogEntry[] {
  const doc = { entries: value };
  if (!Value.Check(CatalogDoc, doc)) {
    const errors = [...Value.Errors(CatalogDoc, doc)].slice(0, 20).map((e) => ({
      field: `${prefix}${pathOf(e.instancePath).replace(/^entries/, "")}`,
      message: e.message,
    }));
    throw new UnprocessableError(
      `invalid catalog: ${errors[0]?.field}: ${errors[0]?.message}`,
      errors,
      "INVALID_CATALOG",
    );
  }
  const entries = (value as CatalogEntryDoc[]).map(toEntry);
  const seen = new Set<string>();
  entries.forEach((e, i) => {
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

/** Parses a catalog file (YAML or JSON). */
export function parseCatalogDocument(text: string): CatalogEntry[] {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new UnprocessableError(
      `catalog is not valid YAML: ${(err as Error).message}`,
      [{ field: "catalog", message: "not YAML" }],
      "INVALID_CATALOG",
    );
  }
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

export function renderCatalogDocument(entries: CatalogEntry[]): string {
  const sorted = [...entries].sort((a, b) => a.id.localeCompare(b.id));
  return `# bedrock-governor approved-models catalog\n${stringify({ entries: sorted.map(toDoc) }, { lineWidth: 0 })}`;
}
