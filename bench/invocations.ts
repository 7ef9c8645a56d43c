// npm run bench:invocations -- --events N [--accounts A] [--batch B] [--json FILE]
// npm run bench:audit [-- --events N]: the same, 1,000,000 events by default, its result written to
//   bench/results/audit-<N>.json with `meets` per target (ingestion ≥ 0.7 × raw COPY; the report's
//   peak RSS under 200 MB) and `meetsTarget` (both).
//
// Invocation ingestion and reports at scale, on its own PostgreSQL (BENCH_DATABASE_URL, else embedded):
// 1. ingestion: N generated CloudTrail records (JSON lines, as LookupEvents and trail files
//    deliver them, as bytes in memory) go through the real path (JSON.parse → normalizeRecord → the
//    jobs' events writer: one index probe drops rows already stored, one COPY into the monthly
//    partitions, one batch written while the next is read); events/s;
// 2. baseline: the same rows by a raw COPY into a table of the same shape and indexes, in the
//    same run; the ratio ingestion/baseline (events per second) is the figure of merit; both
//    phases run --trials times (3), alternated, and the ratio is that of their medians;
// 3. dedupe: the first 10% written again through the writer adds nothing;
// 4. a CSV report over the period listing every event, rendered by `bedrock-governor report`
//    (the built CLI) in a child process: wall time and its peak RSS (VmHWM). The child runs with
//    Node's defaults: no heap flag, NODE_OPTIONS removed from its environment. It is configured
//    as a deployment runs (AWS_TARGET=aws): a report reads only the database, and the in-process
//    AWS emulator the sandbox default would start is no part of a report process.
// Record generation is not timed: it stands in for the network.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import yauzl from "yauzl";
import { applyMigrations } from "../src/db/migrator.js";
import { createDatabase as createDb } from "../src/db/prisma.js";
import { createEventsWriter, WRITE_BATCH } from "../src/modules/invocations/events-writer.js";
import {
  copyInto,
  copyLine,
  createInvocationEventsRepository,
} from "../src/modules/invocations/invocation-events.repository.js";
import { normalizeRecord } from "../src/modules/invocations/normalize.js";
import { buildTrailEvent } from "../src/sandbox/trail.js";
import { createDatabase } from "../support/postgres/databases.js";
import { startPostgresServer } from "../support/postgres/postgres-server.js";
import { buildDist, peakRssMb, positiveInt } from "./common.js";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    accounts: { type: "string", default: "200" },
    days: { type: "string", default: "60" },
    trials: { type: "string", default: "3" },
    json: { type: "string" },
    audit: { type: "boolean", default: false },
  },
});
if (args.audit && process.argv.every((a) => !a.startsWith("--events"))) args.events = "1000000";
const int = (name: keyof typeof args) => positiveInt(args, name);
const inputs = {
  events: int("events"),
  accounts: int("accounts"),
  days: int("days"),
  trials: int("trials"),
  writeBatch: WRITE_BATCH,
  /** Node's defaults: no flag at all for the report process. */
  reportNodeOptions: "",
};
const TARGET_PEAK_RSS_MB = 200;
/** Ingestion events/s over raw COPY rows/s, same rows, same run. */
const TARGET_RATIO_TO_COPY = 0.7;
const label = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));
const jsonOut =
  args.json ?? (args.audit ? path.join("bench", "results", `audit-${label(inputs.events)}.json`) : undefined);
const started = performance.now();
const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

const PERIOD_END = new Date("2026-10-01T00:00:00.000Z");
const PERIOD_START = new Date(PERIOD_END.getTime() - inputs.days * 86_400_000);
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
const MODELS = [
  "amazon.nova-pro-v1:0",
  "amazon.nova-lite-v1:0",
  "anthropic.claude-sonnet-4-5-20250929-v1:0",
  "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "meta.llama3-1-70b-instruct-v1:0",
  "us.deepseek.r1-v1:0",
  "mistral.mistral-large-2407-v1:0",
  "openai.gpt-oss-120b-1:0",
  "cohere.command-r-plus-v1:0",
];
const ROLES = ["BedrockAppRole", "DataScienceRole", "ChatbotLambdaRole", "ci-deployer", "AnalyticsRole"];
const NAMES = ["InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"];

/** Record i of the run: deterministic, spread over accounts, Regions, models and the period. */
function recordJson(i: number): string {
  const account = String(100000000000 + (i % inputs.accounts));
  const region = REGIONS[(i >> 3) % REGIONS.length] as string;
  const modelId = MODELS[(i * 7) % MODELS.length] as string;
  const span = PERIOD_END.getTime() - PERIOD_START.getTime();
  const at = new Date(PERIOD_START.getTime() + Math.floor((i / inputs.events) * span));
  const hex = i.toString(16).padStart(12, "0");
  const ev = buildTrailEvent({
    eventTime: at,
    account,
    region,
    modelId,
    eventName: NAMES[i % NAMES.length] as string,
    ...(modelId.startsWith("global.") || modelId.startsWith("us.") ? { inferenceRegion: "us-west-2" } : {}),
    ...(i % 50 === 7
      ? { errorCode: "AccessDeniedException", errorMessage: "explicit deny in a service control policy" }
      : {}),
    identity: {
      arn: `arn:aws:iam::${account}:role/${ROLES[i % ROLES.length]}`,
      accessKeyId: `ASIA${hex.toUpperCase()}`,
    },
    requestId: `6c2b7a3e-0000-4000-8000-${hex}`,
    eventId: `0f3b1c2d-0000-4000-a000-${hex}`,
  });
  return JSON.stringify(ev.record);
}

/** Every record's JSON as UTF-8, in buffers of about 64 MB, with the end offset of each record. */
function encodeRecords(): { bytes: Buffer; ends: number[] }[] {
  const out: { bytes: Buffer; ends: number[] }[] = [];
  let parts: Buffer[] = [];
  let ends: number[] = [];
  let size = 0;
  const close = () => {
    out.push({ bytes: Buffer.concat(parts, size), ends });
    parts = [];
    ends = [];
    size = 0;
  };
  for (let i = 0; i < inputs.events; i++) {
    const b = Buffer.from(recordJson(i));
    parts.push(b);
    size += b.length;
    ends.push(size);
    if (size >= 64 << 20) close();
  }
  if (size > 0) close();
  return out;
}

buildDist();
const tmp = await mkdtemp(path.join(tmpdir(), "bench-invocations-"));
const server = await startPostgresServer({ TEST_DATABASE_URL: process.env.BENCH_DATABASE_URL || "" });
const database = await createDatabase(server.adminUrl, "bench_invocations");
const db = createDb({ url: database.url, poolSize: 4 });
try {
  await applyMigrations(database.url);
  say(`database ${database.name} on ${server.kind} PostgreSQL; ${inputs.events} events`);
  const events = createInvocationEventsRepository(db);

  // 1. Ingestion through the writer, and 2. the raw COPY of the same rows, alternated TRIALS
  // times (each ingestion into an emptied table, each raw COPY into a new one); the ratio is taken
  // of the medians. One pair alone moves by a quarter from run to run: 1M rows are several times
  // PostgreSQL's shared buffers and more WAL than max_wal_size, so either phase can meet a
  // checkpoint or the write-back of the other's pages. Each phase starts after a CHECKPOINT.
  //
  // The records are first generated as bytes (untimed: they stand in for what LookupEvents pages
  // and trail objects deliver; off the V8 heap, so their 1 GB does not slow the collector the timed
  // loop runs with); ingestion then decodes, parses and normalizes each record and hands it to the
  // jobs' writer (one batch stored while the next is read). Timed: the whole loop.
  const records = encodeRecords();
  const pool = db.pgPool();
  const checkpoint = () =>
    pool.query("CHECKPOINT").catch((err: Error) => say(`no CHECKPOINT before measuring: ${err.message}`));
  const COPY_BATCH = 50_000;
  const trials: { ingestSeconds: number; parseAndNormalizeSeconds: number; rawCopySeconds: number }[] = [];
  for (let trial = 1; trial <= inputs.trials; trial++) {
    await pool.query("TRUNCATE invocation_events");
    await checkpoint();
    const writer = createEventsWriter(events);
    let parseMs = 0;
    const t0 = performance.now();
    for (const { bytes, ends } of records) {
      let start = 0;
      for (const end of ends) {
        const tp = performance.now();
        const row = normalizeRecord(JSON.parse(bytes.toString("utf8", start, end)));
        parseMs += performance.now() - tp;
        start = end;
        await writer.add(row);
      }
    }
    await writer.flush();
    const ingestMs = performance.now() - t0;
    const added = writer.stats.eventsAdded;
    if (added !== inputs.events) throw new Error(`writer added ${added} of ${inputs.events}`);

    // Raw COPY of the same rows into a table of the same shape and indexes (not partitioned); its
    // lines are made untimed, from the same bytes.
    await pool.query(`CREATE TABLE bench_raw_copy (LIKE invocation_events INCLUDING DEFAULTS)`);
    await pool.query(`ALTER TABLE bench_raw_copy ADD PRIMARY KEY (event_time, event_id)`);
    await pool.query(`CREATE INDEX ON bench_raw_copy (account_id, event_time)`);
    await checkpoint();
    let copyMs = 0;
    const client = await pool.connect();
    try {
      let lines: string[] = [];
      const copy = async () => {
        const t = performance.now();
        await copyInto(client, "bench_raw_copy", lines);
        copyMs += performance.now() - t;
        lines = [];
      };
      for (const { bytes, ends } of records) {
        let start = 0;
        for (const end of ends) {
          const r = normalizeRecord(JSON.parse(bytes.toString("utf8", start, end)));
          start = end;
          if (r) lines.push(copyLine(r));
          if (lines.length >= COPY_BATCH) await copy();
        }
      }
      if (lines.length > 0) await copy();
    } finally {
      client.release();
    }
    await pool.query("DROP TABLE bench_raw_copy");
    trials.push({
      ingestSeconds: round(ingestMs / 1000),
      parseAndNormalizeSeconds: round(parseMs / 1000),
      rawCopySeconds: round(copyMs / 1000),
    });
    say(
      `trial ${trial}: ingestion ${round(ingestMs / 1000)} s (${Math.round(inputs.events / (ingestMs / 1000))} events/s), raw COPY ${round(copyMs / 1000)} s: ${round(copyMs / ingestMs)}`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  const ingestSeconds = median(trials.map((t) => t.ingestSeconds));
  const copySeconds = median(trials.map((t) => t.rawCopySeconds));
  const ingestPerSecond = inputs.events / ingestSeconds;
  const copyPerSecond = inputs.events / copySeconds;
  const ratio = ingestPerSecond / copyPerSecond;
  say(`median: ingestion ${ingestSeconds} s, raw COPY ${copySeconds} s: ${round(ratio)} of raw COPY`);

  // 3. Dedupe: the first 10% again.
  const again = Math.max(1, Math.floor(inputs.events / 10));
  const td = performance.now();
  const rewriter = createEventsWriter(events);
  for (let i = 0; i < again; i++) await rewriter.add(normalizeRecord(JSON.parse(recordJson(i))));
  await rewriter.flush();
  const addedAgain = rewriter.stats.eventsAdded;
  const dedupeMs = performance.now() - td;
  await pool.query("VACUUM ANALYZE invocation_events");
  const { rows: sizeRows } = await pool.query<{ bytes: string; partitions: string }>(
    `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes, count(*) AS partitions
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'invocation_events'::regclass`,
  );

  // 4. A CSV report (a ZIP of one CSV per section) listing every event, in a child process (the built CLI), peak RSS sampled.
  const out = path.join(tmp, "report-csv.zip");
  const child = spawn(
    process.execPath,
    [
      "dist/src/cli.js",
      "report",
      "--from",
      PERIOD_START.toISOString(),
      "--to",
      PERIOD_END.toISOString(),
      "--format",
      "csv",
      "--include-events",
      "-o",
      out,
    ],
    {
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_OPTIONS")),
        AWS_TARGET: "aws",
        AWS_REGION: "us-east-1",
        DATABASE_URL: database.url,
        LOG_LEVEL: "warn",
        SYNC_CRON: "off",
        INVOCATIONS_INGEST_CRON: "off",
        BOOTSTRAP_ADMIN: "off",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const tr = performance.now();
  let rss = 0;
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    const now = await peakRssMb(child.pid as number);
    if (now !== undefined) rss = Math.max(rss, now);
    await new Promise((r) => setTimeout(r, 100));
  }
  const code = await exited;
  const reportSeconds = (performance.now() - tr) / 1000;
  if (code !== 0) throw new Error(`report exited ${code}: ${stderr.slice(-2000)}`);
  const reportBytes = (await stat(out)).size;
  const reportLines = (await csvLinesInZip(out, "invocations.csv")) - 1; // its header row
  if (reportLines !== inputs.events) throw new Error(`report listed ${reportLines} of ${inputs.events} events`);
  say(`report: ${round(reportSeconds)} s, peak RSS ${rss} MB, ${reportBytes} bytes`);

  const result = {
    benchmark: args.audit ? "audit" : "invocations",
    at: new Date().toISOString(),
    inputs: { ...inputs, period: { from: PERIOD_START.toISOString(), to: PERIOD_END.toISOString() } },
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      postgres: server.kind,
    },
    ingestion: {
      seconds: ingestSeconds,
      eventsPerSecond: Math.round(ingestPerSecond),
      parseAndNormalizeSeconds: median(trials.map((t) => t.parseAndNormalizeSeconds)),
      added: inputs.events,
    },
    rawCopy: { seconds: copySeconds, rowsPerSecond: Math.round(copyPerSecond), batch: COPY_BATCH },
    ratioToRawCopy: round(ratio),
    trials,
    dedupe: { rewritten: again, added: addedAgain, seconds: round(dedupeMs / 1000) },
    table: { bytes: Number(sizeRows[0]?.bytes ?? 0), partitions: Number(sizeRows[0]?.partitions ?? 0) },
    report: {
      format: "csv",
      includeEvents: true,
      seconds: round(reportSeconds),
      peakRssMb: rss,
      bytes: reportBytes,
      eventRows: reportLines,
    },
    wallSeconds: round((performance.now() - started) / 1000),
    targets: { ratioToRawCopy: TARGET_RATIO_TO_COPY, reportPeakRssMb: TARGET_PEAK_RSS_MB },
    meets: {
      ratioToRawCopy: ratio >= TARGET_RATIO_TO_COPY,
      reportPeakRssMb: rss < TARGET_PEAK_RSS_MB,
    },
    meetsTarget: rss < TARGET_PEAK_RSS_MB && ratio >= TARGET_RATIO_TO_COPY,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (jsonOut) {
    await writeFile(jsonOut, `${JSON.stringify(result, null, 2)}\n`);
    say(`wrote ${jsonOut}`);
  }
} finally {
  await db.close();
  await database.drop();
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
}

/** Lines of one CSV file in a ZIP, counted as it streams out of the archive. */
async function csvLinesInZip(file: string, entryName: string): Promise<number> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  return new Promise<number>((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", () => reject(new Error(`${entryName} not in ${file}`)));
    zip.on("entry", (entry: yauzl.Entry) => {
      if (entry.fileName !== entryName) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        let lines = 0;
        stream.on("data", (b: Buffer) => {
          for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
        });
        stream.on("error", reject);
        stream.on("end", () => {
          zip.close();
          resolve(lines);
        });
      });
    });
    zip.readEntry();
  });
}
