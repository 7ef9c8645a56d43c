// One scope shape across the API (issue 18): every `scope` property of a request or response body
// is the Scope or AccountRegionScope schema (`{ kind, id?, region? }`), each the same wherever it
// appears; the catalog document's own syntax (`scope: organization`, `{ ou: … }`), inside
// a catalog entry, is the one exception. No body carries the older `ouId` or `scopeId` fields.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

type Schema = Record<string, unknown>;
const SHAPES = new Set(["Scope", "AccountRegionScope"]);
const FORBIDDEN = new Set(["ouId", "scopeId"]);
/** The catalog document's entries (with and without their id), whose syntax is the file format's. */
const CATALOG_ENTRY = new Set(["CatalogEntry", "CatalogEntryWithoutId"]);

interface Found {
  where: string;
  key: string;
  schema: Schema;
  parentTitle: string | undefined;
}

/** Every property of every object schema under `node`, with where it sits. */
function properties(node: unknown, where: string, out: Found[]): Found[] {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) properties(n, `${where}[${i}]`, out);
  } else if (node && typeof node === "object") {
    const schema = node as Schema;
    const props = schema.properties as Record<string, Schema> | undefined;
    if (props && typeof props === "object" && !Array.isArray(props))
      for (const [key, value] of Object.entries(props))
        out.push({ where, key, schema: value, parentTitle: schema.title as string | undefined });
    for (const [k, v] of Object.entries(schema)) properties(v, `${where}/${k}`, out);
  }
  return out;
}

/** Request and response bodies of every operation (not parameters: `?ouId=` filters stay). */
function bodies(spec: { paths: Record<string, Record<string, Schema>> }) {
  const out: Array<{ where: string; schema: unknown }> = [];
  for (const [p, item] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(item)) {
      const request = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content;
      for (const [type, c] of Object.entries(request ?? {}))
        out.push({ where: `${method.toUpperCase()} ${p} request ${type}`, schema: c.schema });
      const responses = (op.responses ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>;
      for (const [status, r] of Object.entries(responses))
        for (const [type, c] of Object.entries(r.content ?? {}))
          out.push({ where: `${method.toUpperCase()} ${p} ${status} ${type}`, schema: c.schema });
    }
  return out;
}

const refName = (s: Schema) => (typeof s.$ref === "string" ? s.$ref.split("/").at(-1) : undefined);

describe("one scope shape in openapi.yaml", () => {
  const spec = parse(readFileSync("openapi.yaml", "utf8"));
  const found = bodies(spec).flatMap((b) => properties(b.schema, b.where, []));

  it("every body `scope` is Scope or AccountRegionScope, except inside a catalog entry", () => {
    const scopes = found.filter((f) => f.key === "scope");
    expect(scopes.length).toBeGreaterThan(20);
    const wrong = scopes
      .filter((f) => !CATALOG_ENTRY.has(f.parentTitle ?? ""))
      .filter((f) => !SHAPES.has((f.schema.title as string | undefined) ?? refName(f.schema) ?? ""))
      .map((f) => `${f.where}: ${JSON.stringify(f.schema).slice(0, 120)}`);
    expect(wrong).toEqual([]);
    // The exception is only the catalog's own document syntax, under /v1/catalog.
    for (const f of scopes.filter((s) => CATALOG_ENTRY.has(s.parentTitle ?? "")))
      expect(f.where, f.where).toMatch(/^\w+ \/v1\/catalog\//);
  });

  it("each shape is the same schema wherever it appears", () => {
    for (const title of SHAPES) {
      const all = found.filter((f) => f.key === "scope" && f.schema.title === title).map((f) => f.schema);
      expect(all.length, title).toBeGreaterThan(0);
      for (const s of all) expect(isDeepStrictEqual(s, all[0]), title).toBe(true);
      // `{ kind, … }`, told apart by kind.
      expect((all[0]?.discriminator as { propertyName?: string } | undefined)?.propertyName, title).toBe("kind");
    }
  });

  it("no body has an `ouId` or `scopeId` field", () => {
    expect(found.filter((f) => FORBIDDEN.has(f.key)).map((f) => `${f.where}.${f.key}`)).toEqual([]);
  });
});
