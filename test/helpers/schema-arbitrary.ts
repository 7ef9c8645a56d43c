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

const hostile = fc.constantFrom(...HOSTILE_VALUES);

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
      return fc.record(rec, { requiredKeys: [...required].filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value for one field: fitting, hostile, or of the wrong type. */
export function fieldValue(s: JsonSchema | undefined): fc.Arbitrary<unknown> {
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
    Object.entries(props).map(([k, v]) => [k, fieldValue(v)]),
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
];
