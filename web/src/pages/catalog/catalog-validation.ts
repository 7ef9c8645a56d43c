// Checks a YAML catalog document in the browser against the published JSON Schema
// (GET /v1/catalog/schema), with each error placed on its line. Loaded only with the YAML editor.
// @cfworker/json-schema interprets the schema: Ajv would compile it with `new Function`, which the
// console's CSP (no 'unsafe-eval') forbids.
import { type Schema, Validator } from "@cfworker/json-schema";
import { isNode, LineCounter, parseDocument } from "yaml";

export interface DocumentProblem {
  line: number | null;
  /** Where in the document, as `entries[2].scope` (the API's field naming). */
  field: string;
  message: string;
}

// Errors that only say "a child failed" (the child's own error says what), and the alternatives
// of an anyOf (the anyOf error stands for them).
const WRAPPERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "false"]);

function plainMessage(keyword: string, error: string): string {
  const extra = /^Property "(.*)" does not match additional properties schema/.exec(error);
  if (extra) return `unknown field "${extra[1]}"`;
  const required = /^Instance does not have required property "(.*)"/.exec(error);
  if (required) return `required field "${required[1]}" is missing`;
  if (keyword === "anyOf") return "matches none of the allowed forms";
  return error.replace(/^Instance /, "");
}

function fieldName(path: Array<string | number>): string {
  return path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "") || "document";
}

export function validateCatalogYaml(text: string, schema: Record<string, unknown>): DocumentProblem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0)
    return doc.errors.map((e) => ({
      line: lines.linePos(e.pos[0]).line,
      field: "document",
      message: e.message.split("\n")[0] ?? e.message,
    }));
  const result = new Validator(schema as Schema, "2020-12", false).validate(doc.toJS());
  if (result.valid) return [];
  const lineOf = (path: Array<string | number>): number | null => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return null;
  };
  const seen = new Set<string>();
  const problems: DocumentProblem[] = [];
  for (const error of result.errors) {
    const path = error.instanceLocation
      .replace(/^#\/?/, "")
      .split("/")
      .filter((p) => p !== "")
      .map((p) => (/^\d+$/.test(p) ? Number(p) : decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~")));
    if (WRAPPERS.has(error.keyword) || error.keywordLocation.includes("/anyOf/")) continue;
    const message = plainMessage(error.keyword, error.error);
    const key = `${path.join("/")}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ line: lineOf(path), field: fieldName(path), message });
  }
  return problems.length > 0 ? problems : [{ line: null, field: "document", message: "does not match the schema" }];
}
