// fast-check arbitraries derived from a route's JSON schemas (TypeBox output): values that fit the
// schema, values that almost fit, and hostile values (wrong types, huge strings, deep nesting,
// unicode edge cases, SQL- and path-like strings).
import fc from "fast-check";

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

export const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "x\uDFFFy",
  "𝕏𝔂𝔃",
  "Z̸̡̛͓a̶͔l̷̰g̵o",
  "\u202Eevil",
  "\uFEFFbom",
  "' OR '1'='1",
  "'; DROP TABLE audit_events; --",
  '" OR ""="',
  "1; SELECT pg_sleep(1)",
  "../../../../etc/passwd",
  "..%2F..%2Fetc%2Fpasswd",
  "%00",
  "%",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style probe, meant literally
  "${jndi:ldap://x/a}",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "x".repeat(10_000),
  "9".repeat(400),
  "-1",
  "1e309",
  "NaN",
  "null",
  "2026-02-30T25:61:00Z",
  "arn:aws:bedrock:*::foundation-model/*",
];

export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -(2 ** 53) - 2,
  3.5,
  [],
  [[[]]],
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":true}}'),
  { constructor: { prototype: { polluted: true } } },
  ...HOSTILE_STRINGS,
];

/** A value nested `depth` levels (objects and arrays alternating), built without recursion. */
export function deepValue(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Objects and arrays too deep or too wide for any route: each must be a 4xx, quickly. */
export const HOSTILE_SHAPES: unknown[] = [
  deepValue(1_000),
  Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])),
  Array.from({ length: 50_000 }, (_, i) => i),
  { "a\u0000b": 1 },
  { "\uD800": "x" },
];

const cursorOf = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8").toString("base64url");

/** Keyset cursors a client could craft: wrong types, numbers past any column, NUL, bad dates and ids. */
export const CRAFTED_CURSORS: string[] = [
  cursorOf({ id: "1".repeat(40) }),
  cursorOf({ id: "99999999999999999999" }),
  cursorOf({ id: "a\u0000b", createdAt: "2026-01-01T00:00:00.000Z" }),
  cursorOf({ id: "00000000-0000-0000-0000-000000000000", createdAt: "not a date" }),
  cursorOf({ id: "not-a-uuid", createdAt: "2026-01-01T00:00:00.000Z" }),
  cursorOf({ id: 1e308, createdAt: 5 }),
  cursorOf({ id: ["x"], createdAt: { a: 1 } }),
  cursorOf({
    id: "x\uD800",
    t: "2026-01-01T00:00:00.000Z",
    path: "\u0000",
    modelId: "\u0000",
    accountId: "\u0000",
    region: "\u0000",
    targetId: "\u0000",
  }),
  cursorOf({ t: "+275760-09-13T00:00:00.000Z", createdAt: "-271821-04-20T00:00:00.000Z", id: "1" }),
  cursorOf('{"id":1e999}'),
  cursorOf("[]"),
  cursorOf("null"),
  cursorOf("\u0000"),
  "%00",
  "x".repeat(5_000),
];

/** YAML and JSON documents that cost the most to parse: many keys, deep nesting, duplicate keys. */
function hostileDocuments(): string[] {
  const wideMapping = ["entries: []", ...Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`)].join("\n");
  const wideFlow = `{"entries": [], ${Array.from({ length: 40_000 }, (_, i) => `"k${i}": 1`).join(", ")}}`;
  const duplicates = ["entries: []", ...Array.from({ length: 5_000 }, () => "k: 1")].join("\n");
  const deepFlow = `entries: ${"[".repeat(5_000)}${"]".repeat(5_000)}`;
  const deepBlock = `entries:\n${Array.from({ length: 300 }, (_, i) => `${"  ".repeat(i)}- `).join("\n")}x`;
  const aliases = `a: &a [${"x,".repeat(50)}x]\nb: &b [${"*a,".repeat(50)}*a]\nc: [${"*b,".repeat(50)}*b]\nentries: []`;
  return [wideMapping, wideFlow, duplicates, deepFlow, deepBlock, aliases, "entries: [\u0000]"];
}
export const HOSTILE_DOCUMENTS = hostileDocuments();

const hostile = fc.constantFrom(...HOSTILE_VALUES, ...HOSTILE_SHAPES);

/** Nested objects and arrays, built as text (serializing such a value would itself overflow the stack). */
function deepJson(depth: number): string {
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? "[" : '{"a":';
    close = (i % 2 ? "]" : "}") + close;
  }
  return `${open}"leaf"${close}`;
}

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.format === "uuid") return fc.uuid();
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? 10_000));
    } catch {
      // an unsupported pattern: fall through to plain strings
    }
  }
  return fc.string({ unit: "grapheme", minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 80) });
}

/** A value that satisfies the schema as far as a generator can tell. */
export function fitting(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts && alts.length > 0) return fc.oneof(...alts.map((a) => fitting(a, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "string":
      return stringArb(s);
    case "integer":
      return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
    case "number":
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(fitting(s.items, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 4, 4),
      });
    case "object": {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const entries = Object.entries(props).map(([k, v]) => [k, fitting(v, depth + 1)] as const);
      const rec: Record<string, fc.Arbitrary<unknown>> = Object.fromEntries(entries);
      const record = fc.record(rec, { requiredKeys: [...required].filter((k) => k in props) });
      if (s.additionalProperties === false) return record;
      // An open object (a form passed through to AWS): sometimes a hostile key or value inside it.
      return fc
        .tuple(
          record,
          fc.option(fc.tuple(fc.constantFrom("name", "a\u0000b", "\uD800", "__proto__"), hostile), { freq: 2 }),
        )
        .map(([obj, extra]) => (extra ? { ...(obj as object), [extra[0]]: extra[1] } : obj));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value for one field: fitting, hostile, or of the wrong type. */
export function fieldValue(s: JsonSchema | undefined, name?: string): fc.Arbitrary<unknown> {
  if (name === "cursor")
    return fc.oneof({ arbitrary: fc.constantFrom(...CRAFTED_CURSORS), weight: 3 }, { arbitrary: hostile, weight: 1 });
  // A field that takes a whole document (a catalog in YAML): the documents that are costly to parse.
  if (s?.type === "string" && (s.maxLength ?? 0) >= 100_000)
    return fc.oneof(
      { arbitrary: fc.constantFrom(...HOSTILE_DOCUMENTS), weight: 2 },
      { arbitrary: fitting(s), weight: 1 },
    );
  return fc.oneof(
    { arbitrary: fitting(s), weight: 3 },
    { arbitrary: hostile, weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
  );
}

/** An object for a params/query/body schema: each field fitting or hostile, sometimes an unknown field or a missing one. */
export function objectFor(s: JsonSchema | undefined): fc.Arbitrary<Record<string, unknown>> {
  const props = s?.properties ?? {};
  const rec: Record<string, fc.Arbitrary<unknown>> = Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, fieldValue(v, k)]),
  );
  return fc
    .tuple(
      fc.record(rec, { requiredKeys: [] }),
      fc.option(fc.tuple(fc.constantFrom("extra", "__proto__", "$where", "id;--"), hostile), { freq: 4 }),
    )
    .map(([obj, extra]) => (extra ? { ...obj, [extra[0]]: extra[1] } : obj));
}

/** Whole request bodies that are not what the route expects at all. */
export const HOSTILE_BODIES: Array<{ name: string; payload: string; contentType: string }> = [
  { name: "invalid JSON", payload: '{"a":', contentType: "application/json" },
  { name: "empty JSON", payload: "", contentType: "application/json" },
  { name: "JSON null", payload: "null", contentType: "application/json" },
  { name: "JSON array", payload: "[1,2,3]", contentType: "application/json" },
  { name: "JSON string", payload: '"text"', contentType: "application/json" },
  { name: "deep JSON (5,000 levels)", payload: deepJson(5_000), contentType: "application/json" },
  {
    name: "deep array (100,000 levels)",
    payload: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
    contentType: "application/json",
  },
  {
    name: "oversized (2 MB)",
    payload: JSON.stringify({ a: "x".repeat(2 * 1024 * 1024) }),
    contentType: "application/json",
  },
  {
    name: "1 MB string field",
    payload: JSON.stringify({ name: "x".repeat(1_000_000) }),
    contentType: "application/json",
  },
  { name: "text/plain", payload: "hello", contentType: "text/plain" },
  { name: "form", payload: "a=1&b=2", contentType: "application/x-www-form-urlencoded" },
  {
    name: "proto pollution",
    payload: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}',
    contentType: "application/json",
  },
  { name: "lone surrogate", payload: '{"name":"\\ud800","id":"\\u0000"}', contentType: "application/json" },
  { name: "NUL in a key", payload: '{"a\\u0000":1}', contentType: "application/json" },
  {
    name: "wide object (50,000 keys)",
    payload: `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`,
    contentType: "application/json",
  },
  {
    name: "wide array (100,000 items)",
    payload: `[${Array.from({ length: 100_000 }, () => "{}").join(",")}]`,
    contentType: "application/json",
  },
];
