// The load generator of bench:api, in its own process (forked with IPC) so that its CPU is not
// the benchmark's main process's: it takes one job at a time ({ id, kind, url, headers, ... }),
// runs it with autocannon and sends back { id, result } (or { id, error }).
//   - `flat`: autocannon flat out with `connections` connections for `seconds`;
//   - `steady`: `rate` requests a second spread evenly over each second (see `steady`).
import autocannon from "autocannon";

export interface Measured {
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
  rps: number;
  non2xx: number;
  errors: number;
}

export type LoadJob =
  | { id: number; kind: "flat"; url: string; headers: Record<string, string>; connections: number; seconds: number }
  | { id: number; kind: "steady"; url: string; headers: Record<string, string>; rate: number; seconds: number };

async function flat(url: string, headers: Record<string, string>, connections: number, seconds: number) {
  const r = await autocannon({ url, headers, connections, duration: seconds });
  const m: Measured = {
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    max: r.latency.max,
    rps: r.requests.average,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
  return m;
}

/**
 * A steady load of `rate` requests a second. autocannon's own overallRate is not one: each
 * connection sends its whole quota for the second back to back as soon as the second starts
 * (lib/httpClient.js resets `reqsMadeThisSecond` on a 1 s interval), so "500 req/s" is the server
 * saturated for the first part of every second and idle for the rest. Here the load is made of
 * `rate / PER_CONNECTION` single-connection autocannon instances, each sending PER_CONNECTION
 * requests a second, started evenly across one second, so requests arrive spread over the second
 * as from many independent clients. Every response time is recorded and the percentiles are
 * computed over all of them.
 */
const PER_CONNECTION = 2;
async function steady(url: string, headers: Record<string, string>, rate: number, seconds: number) {
  const instances = Math.max(1, Math.round(rate / PER_CONNECTION));
  const times: number[] = [];
  let non2xx = 0;
  const runs: Array<Promise<autocannon.Result>> = [];
  const started = performance.now();
  for (let i = 0; i < instances; i++) {
    const due = started + (i * 1000) / instances;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const run = new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          headers,
          connections: 1,
          connectionRate: PER_CONNECTION,
          duration: seconds,
          ignoreCoordinatedOmission: true,
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      );
      instance.on("response", (_client, status, _bytes, ms) => {
        if (status >= 200 && status < 300) times.push(ms);
        else non2xx++;
      });
    });
    runs.push(run);
  }
  const results = await Promise.all(runs);
  times.sort((a, b) => a - b);
  const at = (q: number) => Number((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2));
  const m: Measured = {
    p50: at(0.5),
    p97_5: at(0.975),
    p99: at(0.99),
    max: at(1),
    // Each instance is active `seconds` seconds; together they send `rate` a second.
    rps: Number(((times.length + non2xx) / seconds).toFixed(1)),
    non2xx,
    errors: results.reduce((n, r) => n + r.errors + r.timeouts, 0),
  };
  return m;
}

process.on("message", (job: LoadJob) => {
  const run =
    job.kind === "flat"
      ? flat(job.url, job.headers, job.connections, job.seconds)
      : steady(job.url, job.headers, job.rate, job.seconds);
  run.then(
    (result) => process.send?.({ id: job.id, result }),
    (err: unknown) => process.send?.({ id: job.id, error: String(err) }),
  );
});
process.on("disconnect", () => process.exit(0));
