// The coverage statement: for each account-Region in scope, whether the inventory and the
// invocation data are complete, partial or missing for the period, and why. Nothing is left out:
// an account with no Region read appears as missing with the reason.
import { MANTLE_LOOKUP_WARNING, MANTLE_NOT_LOGGED_WARNING } from "../invocations/mantle-trail.js";
import { trailKeyTime } from "../invocations/trail-keys.js";
import type { AccountRegionCoverage, IngestionKind } from "./report-evidence.repository.js";
import type { Cell, ColumnKind } from "./reports.types.js";

const DAY_MS = 86_400_000;
/**
 * CloudTrail delivers events minutes after the call, so data read up to 15 minutes before the
 * period's end (or now) is not reported as a gap: no ingestion could have read those calls yet.
 */
const DELIVERY_DELAY_MS = 15 * 60_000;
/** CloudTrail event history (LookupEvents) holds the last 90 days. */
export const LOOKUP_WINDOW_DAYS = 90;

export type Completeness = "complete" | "partial" | "missing";

export interface CoverageRow {
  accountId: string;
  accountName: string;
  region: string | null;
  inventory: Completeness;
  inventoryReason: string;
  invocations: Completeness;
  invocationsReason: string;
  lastInventoryRead: Date | null;
  invocationsFrom: Date | null;
  invocationsUntil: Date | null;
}

export const COVERAGE_COLUMNS = [
  "account_id",
  "account_name",
  "region",
  "inventory",
  "inventory_reason",
  "invocations",
  "invocations_reason",
  "last_inventory_read",
  "invocations_read_from",
  "invocations_read_until",
] as const;
export const COVERAGE_KINDS: readonly ColumnKind[] = [
  "token",
  "text",
  "token",
  "text",
  "text",
  "text",
  "text",
  "time",
  "time",
  "time",
];

const iso = (d: Date) => d.toISOString();
const worst = (a: Completeness, b: Completeness): Completeness =>
  a === "missing" || b === "missing" ? "missing" : a === "partial" || b === "partial" ? "partial" : "complete";

function unreachable(ar: AccountRegionCoverage): string | undefined {
  if (ar.status !== "error" && !(ar.status === "never" && ar.last_error_at)) return undefined;
  const since = ar.failing_since ?? ar.last_error_at;
  const gate = ar.last_error_gate ?? "unknown";
  return `unreachable at gate ${gate} since ${since ? iso(since) : "an unknown time"}${ar.last_error_code ? ` (${ar.last_error_code})` : ""}`;
}

function inventoryOf(ar: AccountRegionCoverage, from: Date, end: Date): [Completeness, string] {
  if (ar.region === null) return ["missing", "no Region of this account has been read by an inventory sync"];
  const down = unreachable(ar);
  const last = ar.last_success_at;
  if (last === null) return ["missing", down ? `never read: ${down}` : "never read by an inventory sync"];
  if (last.getTime() < from.getTime())
    return ["missing", `${down ? `${down}; ` : ""}last read ${iso(last)}, before the period`];
  if (down && (ar.failing_since ?? ar.last_error_at ?? end).getTime() < end.getTime()) return ["partial", down];
  return ["complete", `last read ${iso(last)}`];
}

const covers = (k: IngestionKind, ar: AccountRegionCoverage) =>
  (k.account_ids === null || k.account_ids.includes(ar.account_id)) &&
  (k.regions === null || (ar.region !== null && k.regions.includes(ar.region)));

/** Warnings an ingestion carries, as the coverage statement says them. */
function warningText(w: string): string {
  if (w === MANTLE_NOT_LOGGED_WARNING) return "org trail without bedrock-mantle data events";
  if (w === MANTLE_LOOKUP_WARNING) return "LookupEvents cannot see bedrock-mantle inference (a data event)";
  return w;
}

function invocationsOf(
  ar: AccountRegionCoverage,
  kinds: readonly IngestionKind[],
  from: Date,
  end: Date,
  lookbackDays: number,
): { status: Completeness; reason: string; readFrom: Date | null; readUntil: Date | null } {
  if (ar.region === null)
    return {
      status: "missing",
      reason: "no Region of this account is known, so none was ingested",
      readFrom: null,
      readUntil: null,
    };
  const mine = kinds.filter((k) => covers(k, ar));
  const first = (source: "lookup" | "s3") =>
    mine
      .filter((k) => k.source === source)
      .reduce<Date | null>((m, k) => (m === null || k.first_at < m ? k.first_at : m), null);
  const s3Until = ar.s3_last_key === null ? undefined : trailKeyTime(ar.s3_last_key);
  const lookupFirst = ar.lookup_until === null ? null : first("lookup");
  const s3First = s3Until === undefined ? null : first("s3");
  const lookupFrom =
    lookupFirst === null ? null : new Date(lookupFirst.getTime() - Math.min(lookbackDays, LOOKUP_WINDOW_DAYS) * DAY_MS);
  const s3From = s3First === null ? null : new Date(s3First.getTime() - lookbackDays * DAY_MS);
  const starts = [lookupFrom, s3From].filter((d): d is Date => d !== null);
  const readFrom = starts.length === 0 ? null : new Date(Math.min(...starts.map((d) => d.getTime())));
  const ends = [ar.lookup_until, s3Until ?? null].filter((d): d is Date => d !== null);
  const readUntil = ends.length === 0 ? null : new Date(Math.max(...ends.map((d) => d.getTime())));
  const down = unreachable(ar);
  if (readFrom === null || readUntil === null) {
    const ran = mine.find((k) => k.in_period > 0) ?? mine[mine.length - 1];
    const why =
      ran === undefined
        ? "no invocation ingestion ran for this account-Region"
        : `ingestions ran but none read this account-Region${down ? ` (${down})` : ran.last_error ? ` (last error: ${ran.last_error})` : ""}`;
    return { status: "missing", reason: why, readFrom, readUntil };
  }
  // Event history holds 90 days: a period starting earlier than that before the first LookupEvents
  // read is out of its reach, and only the organization trail's files could have covered it.
  const oldestLookup = lookupFirst === null ? null : new Date(lookupFirst.getTime() - LOOKUP_WINDOW_DAYS * DAY_MS);
  const windowExceeded =
    s3From === null && oldestLookup !== null && from.getTime() < oldestLookup.getTime()
      ? `LookupEvents window (${LOOKUP_WINDOW_DAYS} days) exceeded: event history before ${iso(oldestLookup)} could not be read and no organization trail bucket was ingested for it`
      : undefined;
  if (readUntil.getTime() <= from.getTime() || readFrom.getTime() >= end.getTime())
    return {
      status: "missing",
      reason: [
        `invocations were read from ${iso(readFrom)} to ${iso(readUntil)}, outside the period`,
        ...(windowExceeded ? [windowExceeded] : []),
        ...(down ? [down] : []),
      ].join("; "),
      readFrom,
      readUntil,
    };
  const reasons: string[] = [];
  if (readFrom.getTime() > from.getTime())
    reasons.push(windowExceeded ?? `invocations read only from ${iso(readFrom)}`);
  if (readUntil.getTime() < end.getTime() - DELIVERY_DELAY_MS)
    reasons.push(`invocations read only up to ${iso(readUntil)}${down ? `: ${down}` : ""}`);
  const warnings = new Set(
    mine.filter((k) => k.in_period > 0 || k === mine[mine.length - 1]).flatMap((k) => k.warnings),
  );
  for (const w of warnings) reasons.push(warningText(w));
  return {
    status: reasons.length === 0 ? "complete" : "partial",
    reason: reasons.length === 0 ? "every invocation of the period was read" : reasons.join("; "),
    readFrom,
    readUntil,
  };
}

/** One row per account-Region (and per account without any), in account and Region order. */
export function coverageRows(
  ars: readonly AccountRegionCoverage[],
  kinds: readonly IngestionKind[],
  period: { from: Date; to: Date; now: Date; lookbackDays: number },
): CoverageRow[] {
  const end = new Date(Math.min(period.to.getTime(), period.now.getTime()));
  return ars.map((ar) => {
    const [inventory, inventoryReason] = inventoryOf(ar, period.from, end);
    const inv = invocationsOf(ar, kinds, period.from, end, period.lookbackDays);
    const left = ar.left_at === null ? "" : `; the account left the organization ${iso(ar.left_at)}`;
    return {
      accountId: ar.account_id,
      accountName: ar.account_name,
      region: ar.region,
      inventory,
      inventoryReason: inventoryReason + left,
      invocations: inv.status,
      invocationsReason: inv.reason,
      lastInventoryRead: ar.last_success_at,
      invocationsFrom: inv.readFrom,
      invocationsUntil: inv.readUntil,
    };
  });
}

export const coverageCells = (r: CoverageRow): Cell[] => [
  r.accountId,
  r.accountName,
  r.region,
  r.inventory,
  r.inventoryReason,
  r.invocations,
  r.invocationsReason,
  r.lastInventoryRead?.toISOString() ?? null,
  r.invocationsFrom?.toISOString() ?? null,
  r.invocationsUntil?.toISOString() ?? null,
];

export const overall = (r: CoverageRow): Completeness => worst(r.inventory, r.invocations);
