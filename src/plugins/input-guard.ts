// One check of every request's params, query and parsed body before schema validation: no text
// PostgreSQL cannot store (NUL, unpaired surrogates) in any value or key, and no nesting deeper
// than any route needs. Both used to reach the database or a recursive walk and end as 500s.
import type { FastifyRequest } from "fastify";
import { type FieldProblem, ValidationError } from "../kernel/errors.js";
import { unsafeTextReason } from "../kernel/safe-text.js";

/** Deeper than any document the API accepts (the deepest schema nests a few levels). */
export const MAX_INPUT_DEPTH = 32;

const SEGMENT = /^[A-Za-z_$][\w$-]*$/;

interface Found {
  /** Innermost segment first (built while unwinding). */
  segments: Array<string | number>;
  message: string;
}

/**
 * Depth-first, recursing at most MAX_INPUT_DEPTH levels (so a body nested 100,000 levels cannot
 * overflow the stack) and allocating nothing per node: the path is built only for a problem.
 */
function find(value: unknown, depth: number): Found | undefined {
  if (typeof value === "string") {
    const reason = unsafeTextReason(value);
    return reason ? { segments: [], message: reason } : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (depth >= MAX_INPUT_DEPTH) return { segments: [], message: `nests deeper than ${MAX_INPUT_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = find(value[i], depth + 1);
      if (found) {
        found.segments.push(i);
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const keyReason = unsafeTextReason(key);
    if (keyReason) return { segments: [], message: `has a key that ${keyReason}` };
    const found = find((value as Record<string, unknown>)[key], depth + 1);
    if (found) {
      found.segments.push(key);
      return found;
    }
  }
  return undefined;
}

/** The first problem of a parsed value (params, query or body), linear in its size. */
export function inputProblem(value: unknown, root: string): FieldProblem | undefined {
  const found = find(value, 0);
  if (!found) return undefined;
  let field = root;
  for (let i = found.segments.length - 1; i >= 0; i--) {
    const segment = found.segments[i] as string | number;
    field +=
      typeof segment === "number"
        ? `[${segment}]`
        : SEGMENT.test(segment)
          ? `.${segment}`
          : `[${JSON.stringify(segment)}]`;
  }
  return { field, message: found.message };
}

const fieldOf = (root: string, key: string) =>
  SEGMENT.test(key) ? `${root}.${key}` : `${root}[${JSON.stringify(key)}]`;

const decodes = (raw: string): string | undefined => {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
};

/**
 * Percent-encoding that is not UTF-8 (`%ED%A0%80`, an encoded lone surrogate; `%FF`) in the query
 * string: the parser would quietly turn it into U+FFFD and filter by that; it is refused instead.
 */
export function malformedQuery(url: string): FieldProblem | undefined {
  const q = url.indexOf("?");
  if (q === -1) return undefined;
  for (const pair of url.slice(q + 1).split("&")) {
    if (!pair.includes("%")) continue;
    const eq = pair.indexOf("=");
    const key = decodes(eq === -1 ? pair : pair.slice(0, eq));
    if (key === undefined)
      return { field: "query", message: "has a parameter name that is not UTF-8 percent-encoding" };
    if (eq !== -1 && decodes(pair.slice(eq + 1)) === undefined)
      return { field: fieldOf("query", key), message: "is not UTF-8 percent-encoding" };
  }
  return undefined;
}

/** preValidation hook: refuses the request with a 400 naming the first bad field. */
export async function guardInput(request: FastifyRequest): Promise<void> {
  const query = malformedQuery(request.url);
  if (query) throw new ValidationError(`${query.field} ${query.message}`, [query]);
  for (const [part, root] of [
    [request.params, "params"],
    [request.query, "query"],
    [request.body, "body"],
  ] as const) {
    const problem = inputProblem(part, root);
    if (problem) throw new ValidationError(`${problem.field} ${problem.message}`, [problem]);
  }
}
