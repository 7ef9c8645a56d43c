// Client-side quotas: per (account, Region, API) at most N requests in any one-second window, as
// the receiving end would count them. Requests are paced evenly (a GCRA, burst 1) at slightly
// more than 1000/N ms apart, so arrival jitter of up to `guardMs` never crosses the quota and no
// burst is ever sent.

export interface RateLimit {
  /** Requests per second. */
  tps: number;
}

export interface RateLimiter {
  /** Resolves when one request for `key` may be sent. Grants are FIFO per key. */
  acquire(key: string, limit: RateLimit): Promise<void>;
}

export function createRateLimiter(opts: { windowMs?: number; guardMs?: number; now?: () => number } = {}): RateLimiter {
  const windowMs = opts.windowMs ?? 1000;
  const guardMs = opts.guardMs ?? 50;
  const now = opts.now ?? (() => performance.now());
  /** key → the earliest time the next request may go. */
  const nextAt = new Map<string, number>();

  return {
    acquire(key, limit) {
      const interval = (windowMs + guardMs) / Math.max(limit.tps, 0.001);
      const t = now();
      const at = Math.max(t, nextAt.get(key) ?? t);
      nextAt.set(key, at + interval);
      const wait = at - t;
      return wait <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, wait));
    },
  };
}

/**
 * Rates by API, most specific first: `service:Operation`, then `service:*`, then `*`.
 * Parsed from `service:Operation=tps,...` (AWS_RATE_LIMITS).
 */
export type RateTable = ReadonlyMap<string, number>;

export const DEFAULT_RATES: RateTable = new Map([
  ["cloudtrail:LookupEvents", 2], // AWS: 2 per second per account and Region, not adjustable
  ["sts:*", 50],
  ["organizations:*", 5], // unpublished; throttling reported above a few per second
  ["bedrock:*", 10], // control-plane quotas unpublished
  ["*", 20],
]);

export function rateFor(table: RateTable, service: string, operation: string): number {
  return table.get(`${service}:${operation}`) ?? table.get(`${service}:*`) ?? table.get("*") ?? 10;
}
