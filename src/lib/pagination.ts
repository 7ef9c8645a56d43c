// Keyset pagination: an opaque cursor holds the sort key of the last row of the previous page.
import { ValidationError } from "../kernel/errors.js";
import { unsafeTextReason } from "../kernel/safe-text.js";

export interface Page<T> {
  items: T[];
  /** Cursor for the next page; absent on the last page. */
  nextCursor?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** Longer than any cursor this API issues (a few sort keys of at most a few hundred characters). */
const MAX_CURSOR_LENGTH = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BIGINT_MAX = 9223372036854775807n;
/** Sort keys that hold a timestamp in every cursor the API issues. */
const TIME_KEYS = new Set(["createdAt", "t", "at", "occurredAt"]);

/**
 * Whether each value of a decoded cursor can reach a query without the database refusing it: text
 * it can store, timestamps it can compare, ids that fit their column (a uuid, or a bigint written
 * in digits). Checked for every cursor, so no service's key predicate has to remember it.
 */
function storableKey(parsed: unknown): boolean {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
  const entries = Object.entries(parsed);
  if (entries.length === 0 || entries.length > 8) return false;
  return entries.every(([key, value]) => {
    if (typeof value === "number") return Number.isSafeInteger(value);
    if (typeof value !== "string" || value.length > 512 || unsafeTextReason(value)) return false;
    if (TIME_KEYS.has(key)) {
      const time = Date.parse(value);
      return !Number.isNaN(time) && new Date(time).getUTCFullYear() >= 1 && new Date(time).getUTCFullYear() <= 9999;
    }
    if (key === "id" && /^\d+$/.test(value)) return value.length <= 19 && BigInt(value) <= BIGINT_MAX;
    return true;
  });
}

export function decodeCursor<K extends Record<string, string | number>>(
  cursor: string | undefined,
  isKey: (v: unknown) => v is K,
): K | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed =
      cursor.length <= MAX_CURSOR_LENGTH ? JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!storableKey(parsed) || !isKey(parsed)) {
    throw new ValidationError("cursor is not one this API issued", [
      { field: "query.cursor", message: "invalid cursor" },
    ]);
  }
  return parsed;
}

/** Whether `value` is a uuid (for cursor predicates whose id column is a uuid). */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** A keyset cursor over (createdAt, id) where ids are uuids: the list cursor of most tables. */
export const isTimeIdCursor = (v: unknown): v is { createdAt: string; id: string } =>
  typeof v === "object" &&
  v !== null &&
  isUuid((v as { id?: unknown }).id) &&
  typeof (v as { createdAt?: unknown }).createdAt === "string" &&
  !Number.isNaN(Date.parse((v as { createdAt: string }).createdAt));

/** Fetch `limit + 1` rows, then call this to cut the page and compute the next cursor. */
export function toPage<T>(rows: T[], limit: number, keyOf: (last: T) => Record<string, string | number>): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1] as T)) };
}
