// The published JSON Schema of the catalog document and the parser agree: catalog.schema.json is
// what the code generates, an independent draft 2020-12 validator (Ajv) and the parser accept the
// schema's examples and the starter catalog, and both refuse the same counter-examples.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { UnprocessableError } from "../../src/kernel/errors.js";
import { parseCatalogDocument, renderCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { renderCatalogJsonSchema } from "../../src/modules/catalog/catalog-schema.js";
import { STARTER_CATALOG } from "../../src/modules/catalog/catalog-starter.js";

const committed = readFileSync("catalog.schema.json", "utf8");
const schema = JSON.parse(committed) as { $schema: string; examples: unknown[] };
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** What the parser says of a document: accepted, or the fields its error names. */
function parser(doc: unknown): { ok: true } | { ok: false; fields: string[] } {
  try {
    parseCatalogDocument(JSON.stringify(doc));
    return { ok: true };
  } catch (err) {
    if (!(err instanceof UnprocessableError)) throw err;
    return { ok: false, fields: (err.errors ?? []).map((e) => e.field) };
  }
}

const entry = {
  id: "nova",
  model: "amazon.nova-*",
  scope: "organization",
  owner: "platform",
  justification: "default models",
};
const withEntry = (patch: Record<string, unknown>) => ({ entries: [{ ...entry, ...patch }] });
const license = "arn:aws:license-manager::111122223333:license:l-0123456789abcdef";

/** Documents the schema refuses, with the field the parser must name. */
const COUNTER_EXAMPLES: Array<[string, unknown, string]> = [
  ["no entries", {}, "entries"],
  ["unknown top-level field", { entries: [], version: 2 }, "version"],
  ["entries not a list", { entries: { nova: entry } }, "entries"],
  ["unknown entry field", withEntry({ colour: "red" }), "entries[0]"],
  ["missing owner", { entries: [{ ...entry, owner: undefined }] }, "entries[0]"],
  ["bad id", withEntry({ id: "Nova Models" }), "entries[0].id"],
  ["bad model", withEntry({ model: "Amazon Nova" }), "entries[0].model"],
  ["bad scope word", withEntry({ scope: "everywhere" }), "entries[0].scope"],
  ["bad OU id", withEntry({ scope: { ou: "sales" } }), "entries[0].scope"],
  ["bad account id", withEntry({ scope: { account: "1234" } }), "entries[0].scope"],
  ["two scope keys", withEntry({ scope: { ou: "ou-ab12-cdef3456", account: "123456789012" } }), "entries[0].scope"],
  ["bad region", withEntry({ regions: ["mars-north-1"] }), "entries[0].regions[0]"],
  ["empty regions", withEntry({ regions: [] }), "entries[0].regions"],
  ["unknown geography", withEntry({ geography: "MOON" }), "entries[0].geography"],
  ["unknown condition", withEntry({ conditions: { vpcOnly: true } }), "entries[0].conditions"],
  ["unknown endpoint", withEntry({ endpoints: ["grpc"] }), "entries[0].endpoints[0]"],
  ["repeated endpoint", withEntry({ endpoints: ["runtime", "runtime"] }), "entries[0].endpoints"],
  ["unknown retention mode", withEntry({ retentionModes: ["forever"] }), "entries[0].retentionModes[0]"],
  ["apiKeys not a boolean", withEntry({ apiKeys: "yes" }), "entries[0].apiKeys"],
  [
    "bad license ARN",
    withEntry({ model: "cohere.command-r-v1:0", entitlement: { licenseArn: "l-1" } }),
    "entries[0].entitlement.licenseArn",
  ],
  ["entitlement on a pattern", withEntry({ entitlement: { licenseArn: license } }), "entries[0].entitlement"],
  ["expiry not a date-time", withEntry({ expiresAt: "next tuesday" }), "entries[0].expiresAt"],
  ["empty justification", withEntry({ justification: "" }), "entries[0].justification"],
];

describe("catalog.schema.json", () => {
  it("is what `npm run catalog-schema` generates from the parser's schema (run it and commit the result)", () => {
    expect(committed).toEqual(renderCatalogJsonSchema());
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  it("its examples are accepted by a draft 2020-12 validator and by the parser", () => {
    expect(schema.examples.length).toBeGreaterThanOrEqual(2);
    for (const example of schema.examples) {
      expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
      expect(parser(example)).toEqual({ ok: true });
    }
    // The rich example uses every field an entry may have.
    const fields = new Set((schema.examples[0] as { entries: object[] }).entries.flatMap((e) => Object.keys(e)));
    const allowed = Object.keys(
      (schema as unknown as { properties: { entries: { items: { properties: object } } } }).properties.entries.items
        .properties,
    );
    expect([...fields].sort()).toEqual([...allowed].sort());
  });

  it.each(COUNTER_EXAMPLES)(
    "refuses %s, in the validator and in the parser (naming the field)",
    (_name, doc, field) => {
      expect(validate(doc)).toBe(false);
      const r = parser(doc);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.fields).toContain(field);
    },
  );

  it("duplicate ids, which JSON Schema cannot express, are the parser's one extra rule", () => {
    const doc = { entries: [entry, entry] };
    expect(validate(doc)).toBe(true);
    expect(parser(doc)).toEqual({ ok: false, fields: ["entries[1].id"] });
  });

  it("exported documents point editors at the schema and validate against it", () => {
    const text = renderCatalogDocument(parseCatalogDocument(JSON.stringify(schema.examples[0])));
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./catalog.schema.json");
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe("the starter catalog (`catalog init`)", () => {
  it("validates against the schema and parses, as written and with every example uncommented", () => {
    const uncommented = STARTER_CATALOG.replace(/^ {2}# /gm, "  ");
    expect(parseCatalogDocument(STARTER_CATALOG).map((e) => e.id)).toEqual(["amazon-nova"]);
    expect(parseCatalogDocument(uncommented).map((e) => e.id)).toEqual(["amazon-nova", "claude-eu", "cohere-search"]);
    for (const text of [STARTER_CATALOG, uncommented]) {
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
    // The examples show every field of an entry.
    const shown = new Set(parse(uncommented).entries.flatMap((e: object) => Object.keys(e)));
    expect([...shown].sort()).toEqual(
      Object.keys(parse(committed).properties.entries.items.properties as object).sort(),
    );
  });
});

describe("README, Catalog format", () => {
  it("its complete example validates against the schema and parses, using every field", () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Catalog format"));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    if (!example) throw new Error("no YAML example in the Catalog format section");
    expect(validate(parse(example)), JSON.stringify(validate.errors)).toBe(true);
    expect(parseCatalogDocument(example)).toHaveLength(3);
    const shown = new Set(parse(example).entries.flatMap((e: object) => Object.keys(e)));
    const fields = Object.keys(parse(committed).properties.entries.items.properties as object);
    expect([...shown].sort()).toEqual([...fields].sort());
    // Every field has its row in the table.
    for (const f of fields) expect(section).toContain(`| \`${f}\` |`);
  });
});
