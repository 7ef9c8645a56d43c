// The catalog document's schema, written once: the parser validates with it (catalog-document.ts),
// the API serves it (`GET /v1/catalog/schema`), `catalog schema` prints it and catalog.schema.json
// at the repository root is generated from it (`npm run catalog-schema`), so what editors check
// and what the service accepts cannot drift apart.
import { type Static, Type } from "typebox";
import { AccountIdSchema, ModelPatternSchema, ParentIdSchema, RegionSchema } from "../../kernel/aws-ids.js";
import { CATALOG_RETENTION_MODES, ENDPOINTS, GEOGRAPHIES } from "./catalog.types.js";

const ScopeDoc = Type.Union(
  [
    Type.Literal("organization", { description: "Every account of the organization" }),
    Type.Object(
      { ou: ParentIdSchema({ description: "An OU id (ou-…) or the root id (r-…): every account below it" }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { account: AccountIdSchema({ description: "One account id (12 digits)" }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'Where the entry allows use: `organization`, `{ ou: ou-… | r-… }` or `{ account: "123456789012" }`' },
);

/** A catalog entry's id: a slug chosen by the team. */
export const CatalogEntryId = (opts: { description?: string } = {}) =>
  Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{0,63}$", ...opts });

export const CatalogEntryDoc = Type.Object(
  {
    id: CatalogEntryId({ description: "Stable id (slug: lower-case letters, digits, . _ -), unique in the catalog" }),
    model: ModelPatternSchema({
      minLength: 3,
      maxLength: 256,
      description: "Model id (`anthropic.claude-sonnet-4-5-20250929-v1:0`) or a pattern where * matches any run",
    }),
    viaProfiles: Type.Optional(
      Type.Array(Type.String({ minLength: 3, maxLength: 256 }), {
        uniqueItems: true,
        maxItems: 20,
        description: "The model may be used only through these inference profile ids (e.g. `eu.anthropic.…`)",
      }),
    ),
    scope: ScopeDoc,
    regions: Type.Optional(
      Type.Array(RegionSchema(), {
        uniqueItems: true,
        minItems: 1,
        maxItems: 40,
        description: "Regions where calls may be made; unset: every Region (or the geography's)",
      }),
    ),
    geography: Type.Optional(
      Type.Enum([...GEOGRAPHIES], {
        description: "Data residency: calls, and every destination Region of a profile used, stay in this geography",
      }),
    ),
    conditions: Type.Optional(
      Type.Object(
        {
          loggingRequired: Type.Optional(
            Type.Boolean({ description: "Model invocation logging must be on in the account-Region" }),
          ),
          guardrailRequired: Type.Optional(Type.Boolean({ description: "Calls must name a guardrail" })),
        },
        { additionalProperties: false, description: "What must hold for the use to count as approved" },
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
    apiKeys: Type.Optional(
      Type.Boolean({
        description:
          "The model may be called with long-term Bedrock API keys (IAM service-specific credentials) in the accounts this entry covers",
      }),
    ),
    acceptAgreement: Type.Optional(
      Type.Boolean({
        description: "Remediation may accept the model's Marketplace agreement in the accounts this entry covers",
      }),
    ),
    entitlement: Type.Optional(
      Type.Object(
        {
          licenseArn: Type.String({
            pattern: "^arn:aws[a-z-]*:license-manager::[0-9]{12}:license:l-[0-9a-zA-Z]{1,64}$",
            description: "The License Manager license (held by the management account, us-east-1) of the model",
          }),
        },
        {
          additionalProperties: false,
          description:
            "The model reaches the accounts this entry covers (and accounts granted it by access requests) through a managed entitlement: remediation distributes and activates a License Manager grant of this license to each, and deletes it when access ends. The model must be an exact id.",
        },
      ),
    ),
    owner: Type.String({ minLength: 1, maxLength: 256, description: "Who answers for the entry (team, person)" }),
    justification: Type.String({ minLength: 1, maxLength: 2048, description: "Why the use is approved" }),
    expiresAt: Type.Optional(
      Type.String({
        format: "date-time",
        description:
          "ISO 8601 date-time (with a zone: Z or ±hh:mm) after which the entry allows nothing; unset: no expiry",
      }),
    ),
  },
  { additionalProperties: false, title: "CatalogEntry" },
);
export type CatalogEntryDoc = Static<typeof CatalogEntryDoc>;

/** An entry with an entitlement names one exact model: a license is one Marketplace product. */
export const ENTITLEMENT_NEEDS_EXACT_MODEL = {
  if: { properties: { entitlement: { type: "object" } }, required: ["entitlement"] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword; this object is never awaited
  then: { properties: { model: { type: "string", pattern: "^[^*]+$" } } },
};

const EXAMPLE = {
  entries: [
    {
      id: "amazon-nova",
      model: "amazon.nova-*",
      scope: "organization",
      regions: ["eu-west-1", "us-east-1"],
      owner: "platform-team",
      justification: "Default text models for every team",
    },
    {
      id: "claude-eu",
      model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
      viaProfiles: ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0"],
      scope: { ou: "ou-ab12-cdef3456" },
      geography: "EU",
      conditions: { loggingRequired: true, guardrailRequired: true },
      endpoints: ["runtime", "mantle"],
      retentionModes: ["default", "none"],
      apiKeys: false,
      acceptAgreement: true,
      owner: "ml-platform",
      justification: "Support assistant, EU data stays in the EU",
      expiresAt: "2027-06-30T00:00:00Z",
    },
    {
      id: "cohere-search",
      model: "cohere.command-r-plus-v1:0",
      scope: { account: "123456789012" },
      entitlement: { licenseArn: "arn:aws:license-manager::111122223333:license:l-0123456789abcdef" },
      owner: "search-team",
      justification: "Search ranking pilot",
    },
  ],
};

/** The whole document: `entries:`, a list of entries (ids unique, which JSON Schema cannot say). */
export const CatalogDocumentSchema = Type.Object(
  {
    entries: Type.Array(
      Type.Object(CatalogEntryDoc.properties, {
        additionalProperties: false,
        title: "CatalogEntry",
        ...ENTITLEMENT_NEEDS_EXACT_MODEL,
      } as { additionalProperties: false }),
      {
        maxItems: 5000,
        description: "The approved uses; each entry's `id` must be unique (the service refuses duplicates)",
      },
    ),
  },
  {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "bedrock-governor catalog",
    description:
      "The approved-models catalog of bedrock-governor, as kept in git and applied with `bedrock-governor catalog apply -f FILE` or POST /v1/catalog/apply. Starter: `bedrock-governor catalog init`.",
    additionalProperties: false,
    examples: [EXAMPLE, { entries: [] }],
  } as { additionalProperties: false },
);

/** The schema as the JSON document published (serialized in a stable order, as written above). */
export function catalogJsonSchema(): Record<string, unknown> {
  const { $schema, title, description, ...rest } = JSON.parse(JSON.stringify(CatalogDocumentSchema)) as Record<
    string,
    unknown
  >;
  return { $schema, title, description, ...rest };
}

/** The published schema file's text (catalog.schema.json at the repository root is this). */
export function renderCatalogJsonSchema(): string {
  return `${JSON.stringify(catalogJsonSchema(), null, 2)}\n`;
}
