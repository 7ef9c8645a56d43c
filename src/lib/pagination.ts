// Keyset pagination: an opaque cursor holds the sort key of the last row of the previous page.
import { ValidationError } from "../kernel/errors.js";

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

export function decodeCursor<K extends Record<string, string | number>>(
  cursor: string | undefined,
  isKey: (v: unknown) => v is K,
): K | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!isKey(parsed)) {
    throw new ValidationError("cursor is not one this API issued", [
      { field: "query.cursor", message: "invalid cursor" },
    ]);
  }
  return parsed;
}

/** Fetch `limit + 1` rows, then call this to cut the page and compute the next cursor. */
export function toPage<T>(rows: T[], limit: number, keyOf: (last: T) => Record<string, string | number>): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyOf(items[items.length - 1] as T)) };
}
