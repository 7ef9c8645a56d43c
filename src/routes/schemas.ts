// Shared TypeBox schemas of routes: error responses, pagination, strict objects.
import { type TObject, type TProperties, type TSchema, Type } from "typebox";

/** An object that rejects unknown members (400 naming the field). Use for every input. */
export const StrictObject = <T extends TProperties>(
  props: T,
  opts: { description?: string; $id?: string } = {},
): TObject<T> => Type.Object(props, { additionalProperties: false, ...opts });

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Type.Ref("Problem") } },
});

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (field named in `errors`)",
  401: "Missing or invalid credentials",
  403: "Authenticated but not allowed",
  404: "Not found",
  409: "Conflicts with the current state",
  412: "Precondition (If-Match) failed",
  413: "Body too large",
  422: "Valid but unprocessable",
  429: "Rate limit exceeded (see Retry-After)",
  500: "Internal error",
  503: "Unavailable",
};

/** Error responses for a route; 400, 401, 403, 429 and 500 are implied for authenticated routes. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const s of new Set([400, 401, 403, 429, 500, ...statuses])) out[s] = problemResponse(DESCRIPTIONS[s] ?? "Error");
  return out;
}

export function publicErrorResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const s of new Set([500, ...statuses])) out[s] = problemResponse(DESCRIPTIONS[s] ?? "Error");
  return out;
}

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: "Page size" }),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: "`nextCursor` from the previous page" })),
};

export const PageOf = <T extends TSchema>(item: T, title: string) =>
  Type.Object(
    { items: Type.Array(item), nextCursor: Type.Optional(Type.String({ description: "Absent on the last page" })) },
    { title },
  );

export const IsoDateTime = (description?: string) =>
  Type.String({ format: "date-time", ...(description ? { description } : {}) });

/** `T | null` (a nullable field in a response). */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
