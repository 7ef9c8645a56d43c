// Request accounting for tests and benchmarks: what reached the sandbox, what it throttled, and
// the peak rate per 1-second window (by the sandbox's own clock).

export interface CounterFilter {
  service?: string;
  operation?: string;
  account?: string;
  region?: string;
}

export interface SandboxCounters {
  /** Requests received (including throttled and failed ones) matching the filter. */
  count(filter?: CounterFilter): number;
  throttled(filter?: CounterFilter): number;
  /** The largest number of matching requests received within any 1-second window. */
  maxPerSecond(filter?: CounterFilter): number;
  /** The distinct (service, operation) pairs received, in order of first arrival. */
  operations(): Array<{ service: string; operation: string }>;
  reset(): void;
}

export interface RequestRecord {
  atMs: number;
  service: string;
  operation: string;
  account: string | undefined;
  region: string | undefined;
  throttled: boolean;
}

export interface CounterStore extends SandboxCounters {
  record(r: RequestRecord): RequestRecord;
}

const matches = (r: RequestRecord, f: CounterFilter | undefined): boolean =>
  f === undefined ||
  ((f.service === undefined || r.service === f.service) &&
    (f.operation === undefined || r.operation === f.operation) &&
    (f.account === undefined || r.account === f.account) &&
    (f.region === undefined || r.region === f.region));

export function createCounters(): CounterStore {
  let records: RequestRecord[] = [];
  return {
    record(r) {
      records.push(r);
      return r;
    },
    count: (filter) => records.filter((r) => matches(r, filter)).length,
    throttled: (filter) => records.filter((r) => r.throttled && matches(r, filter)).length,
    maxPerSecond(filter) {
      const times = records
        .filter((r) => matches(r, filter))
        .map((r) => r.atMs)
        .sort((a, b) => a - b);
      let best = 0;
      let lo = 0;
      for (let hi = 0; hi < times.length; hi++) {
        while ((times[hi] as number) - (times[lo] as number) >= 1000) lo++;
        best = Math.max(best, hi - lo + 1);
      }
      return best;
    },
    operations() {
      const seen = new Map<string, { service: string; operation: string }>();
      for (const r of records) {
        const key = `${r.service}:${r.operation}`;
        if (!seen.has(key)) seen.set(key, { service: r.service, operation: r.operation });
      }
      return [...seen.values()];
    },
    reset() {
      records = [];
    },
  };
}
