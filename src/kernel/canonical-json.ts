// Canonical JSON: object keys sorted, undefined members dropped. Two values that PostgreSQL's jsonb
// (which hands keys back in its own order) or two code paths build differently compare and hash
// the same.
import { createHash } from "node:crypto";
import { stringify } from "safe-stable-stringify";

export function canonicalJson(value: unknown): string {
  return stringify(value ?? null) as string;
}

/** SHA-256 (hex) of the canonical JSON of `value`. */
export function canonicalHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
