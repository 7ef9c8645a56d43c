// Finding candidates of one reconciliation, deduplicated by key: several catalog entries (or paths)
// can lead to one finding, which then names every entry.
import { compareStrings } from "../catalog/arns.js";
import type { FindingCandidate, FindingType } from "./reconcile.types.js";

export function findingKey(parts: {
  type: FindingType;
  accountId: string;
  region: string | null;
  modelId: string | null;
  gate: string | null;
  path?: string | null;
}): string {
  const key = [parts.type, parts.accountId, parts.region ?? "", parts.modelId ?? "", parts.gate ?? ""].join("|");
  return parts.path ? `${key}|${parts.path}` : key;
}

export type CandidateInput = Omit<FindingCandidate, "key" | "evidence"> & {
  evidence: Record<string, unknown> & { entryIds?: string[] };
};

export class FindingsCollector {
  private readonly byKey = new Map<string, FindingCandidate>();

  add(c: CandidateInput): void {
    const key = findingKey(c);
    const seen = this.byKey.get(key);
    if (seen === undefined) {
      this.byKey.set(key, { ...c, key });
      return;
    }
    const ids = [...((seen.evidence.entryIds as string[] | undefined) ?? []), ...(c.evidence.entryIds ?? [])];
    if (ids.length > 0) seen.evidence.entryIds = [...new Set(ids)].sort(compareStrings);
  }

  result(): FindingCandidate[] {
    return [...this.byKey.values()].sort((a, b) => compareStrings(a.key, b.key));
  }
}
