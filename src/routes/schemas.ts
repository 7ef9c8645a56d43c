// Shared TypeBox schemas of routes: error responses, pagination, strict objects.
import { type Static, type TObject, type TProperties, type TSchema, Type } from "typebox";
import { AccountIdSchema, ParentIdSchema, RegionSchema } from "../kernel/aws-ids.js";

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

/**
 * The one shape of a scope in the API, discriminated by `kind`: `{ kind: "organization" }`,
 * `{ kind: "ou", id }` (an OU or the root, and everything below) or `{ kind: "account", id }`.
 * Written as `oneOf` with a discriminator so that a bad scope is refused naming the member that is
 * wrong (`body.scope.id`), not with one error per variant.
 */
function scopeSchema<A extends TSchema>(account: A, title: string, description: string) {
  const union = Type.Union([
    StrictObject({ kind: Type.Literal("organization") }),
    StrictObject({ kind: Type.Literal("ou"), id: ParentIdSchema({ description: "An OU (ou-…) or the root (r-…)" }) }),
    account,
  ]);
  return Type.Unsafe<Static<typeof union>>({
    type: "object",
    title,
    description,
    required: ["kind"],
    discriminator: { propertyName: "kind" },
    oneOf: union.anyOf,
  });
}

export const Scope = scopeSchema(
  StrictObject({ kind: Type.Literal("account"), id: AccountIdSchema() }),
  "Scope",
  "The organization, an OU or the root (and below), or one account",
);

/** A scope that may also be one account-Region, for operations that can work on a single Region. */
export const AccountRegionScope = scopeSchema(
  StrictObject({
    kind: Type.Literal("account"),
    id: AccountIdSchema(),
    region: Type.Optional(RegionSchema({ description: "Only this Region of the account" })),
  }),
  "AccountRegionScope",
  "The organization, an OU or the root (and below), one account, or one account-Region",
);
