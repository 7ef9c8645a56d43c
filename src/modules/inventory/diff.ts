// Diffs two sets of rows keyed by one field: which rows to upsert, which to delete, and the
// history rows (added / removed / per-field old → new). Pure; the repository writes the result
// with set-based statements.
import { canonicalJson } from "../../kernel/canonical-json.js";
import type { ChangeRow } from "./inventory.types.js";

export interface SetDiff<T> {
  upserts: T[];
  deletes: string[];
  changes: ChangeRow[];
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function diffSet<T extends object>(
  before: readonly T[],
  after: readonly T[],
  key: keyof T & string,
  ctx: { entity: string; accountId: string | null; region: string | null },
): SetDiff<T> {
  const old = new Map(before.map((r) => [String(r[key]), r]));
  const seen = new Set<string>();
  const out: SetDiff<T> = { upserts: [], deletes: [], changes: [] };
  const row = (subject: string, change: string, oldValue: unknown, newValue: unknown): ChangeRow => ({
    ...ctx,
    subject,
    change,
    oldValue: oldValue ?? null,
    newValue: newValue ?? null,
  });
  for (const next of after) {
    const k = String(next[key]);
    seen.add(k);
    const prev = old.get(k);
    if (!prev) {
      out.upserts.push(next);
      out.changes.push(row(k, "added", null, next));
      continue;
    }
    let changed = false;
    for (const field of Object.keys(next) as Array<keyof T & string>) {
      if (field === key || same(prev[field], next[field])) continue;
      changed = true;
      out.changes.push(row(k, field, prev[field], next[field]));
    }
    if (changed) out.upserts.push(next);
  }
  for (const [k, prev] of old) {
    if (seen.has(k)) continue;
    out.deletes.push(k);
    out.changes.push(row(k, "removed", prev, null));
  }
  return out;
}

/** Field-by-field changes of one record (settings, account attributes). */
export function diffRecord<T extends object>(
  before: T | undefined,
  after: T,
  ctx: { entity: string; accountId: string | null; region: string | null; subject: string | null },
): ChangeRow[] {
  if (!before) return [{ ...ctx, change: "added", oldValue: null, newValue: after }];
  const changes: ChangeRow[] = [];
  for (const field of Object.keys(after) as Array<keyof T & string>) {
    if (!same(before[field], after[field])) {
      changes.push({ ...ctx, change: field, oldValue: before[field] ?? null, newValue: after[field] ?? null });
    }
  }
  return changes;
}
