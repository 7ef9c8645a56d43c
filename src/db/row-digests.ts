// Per-account digests of what a reconciliation writes (reconcile_digests): a run compares the
// digest of an account's rows, as they would be COPYed, with the one stored by the last run that
// wrote them, and rewrites only the accounts whose rows changed. Stored in the same transaction as
// the rows, so a digest never describes rows that were rolled back.
import { createHash, type Hash } from "node:crypto";
import type { BulkTx } from "./prisma.js";

/** Which of an account's row sets a digest describes (a column of reconcile_digests). */
export type DigestKind = "verdicts" | "findings";

/**
 * SHA-1 of each account's lines in order; every account in `accountIds` gets one (an account
 * without rows gets the digest of nothing, so a set that became empty is a change too).
 */
export function digestByAccount<T>(
  accountIds: readonly string[],
  rows: readonly T[],
  accountOf: (row: T) => string,
  line: (row: T) => string,
): Map<string, string> {
  const hashes = new Map<string, Hash>(accountIds.map((id) => [id, createHash("sha1")]));
  for (const r of rows) {
    const id = accountOf(r);
    let h = hashes.get(id);
    if (h === undefined) {
      h = createHash("sha1");
      hashes.set(id, h);
    }
    h.update(line(r));
  }
  return new Map([...hashes].map(([id, h]) => [id, h.digest("hex")]));
}

/** The stored digests of these accounts (accounts without one are absent). */
export async function storedDigests(
  kind: DigestKind,
  accountIds: readonly string[],
  tx: BulkTx,
): Promise<Map<string, string>> {
  const rows = await tx.query<{ account_id: string; digest: string | null }>(
    `SELECT account_id, ${kind} AS digest FROM reconcile_digests WHERE account_id = ANY($1::text[])`,
    [[...accountIds]],
  );
  return new Map(rows.flatMap((r) => (r.digest === null ? [] : [[r.account_id, r.digest] as const])));
}

/** Stores digests of accounts whose rows were just written (accounts no longer stored are skipped). */
export async function storeDigests(kind: DigestKind, digests: ReadonlyMap<string, string>, tx: BulkTx): Promise<void> {
  if (digests.size === 0) return;
  await tx.query(
    `INSERT INTO reconcile_digests (account_id, ${kind})
     SELECT d.id, d.digest FROM unnest($1::text[], $2::text[]) AS d(id, digest)
     WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.id = d.id)
     ON CONFLICT (account_id) DO UPDATE SET ${kind} = EXCLUDED.${kind}`,
    [[...digests.keys()], [...digests.values()]],
  );
}

/** Forgets digests (rows written another way): the next run rewrites these accounts, or all. */
export async function forgetDigests(accountIds: readonly string[] | undefined, tx: BulkTx): Promise<void> {
  if (accountIds === undefined) await tx.query("DELETE FROM reconcile_digests");
  else await tx.query("DELETE FROM reconcile_digests WHERE account_id = ANY($1::text[])", [[...accountIds]]);
}
