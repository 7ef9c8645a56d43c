// AWS conformance fixtures: for each operation in the call table (src/aws/call-table.ts), the
// request the service sends and the response AWS answers, transcribed from the operation's page in
// AWS's API reference (its example, or its documented response syntax where the page has no
// example), with the page named. Errors are the ones the page lists under "Errors" (or the
// service's common errors), each with the gate and retry behaviour the service must give it.
//
// A fixture is served by a local HTTP server on 127.0.0.1 (fixture-server.ts) to the service's
// own AWS layer (src/aws, the real SDK clients), and the same call is sent to the sandbox.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import type { AwsGate } from "../../src/aws/errors.js";

export const FIXTURE_DIR = path.join(import.meta.dirname, "fixtures");

/** The wire protocol of a client: decides the framing of requests and of error responses. */
export type Protocol = "awsJson1_1" | "restJson1" | "awsQuery" | "restXml" | "openaiJson";

/** The protocol of each client in the call table (Smithy models of the SDK packages; bedrock-mantle: OpenAI-style JSON). */
export const PROTOCOL: Record<string, Protocol> = {
  organizations: "awsJson1_1",
  cloudtrail: "awsJson1_1",
  "license-manager": "awsJson1_1",
  bedrock: "restJson1",
  "bedrock-runtime": "restJson1",
  sts: "awsQuery",
  iam: "awsQuery",
  s3: "restXml",
  "bedrock-mantle": "openaiJson",
};

/** Which accessor of the AWS layer makes the call (see `apiOf` in operations.test.ts). */
export type ApiName =
  | "organizations"
  | "identity"
  | "sts"
  | "bedrock"
  | "runtime"
  | "mantle"
  | "cloudtrail"
  | "s3"
  | "iam"
  | "licenseManager"
  | "credentials";

export interface FixtureCall {
  api: ApiName;
  /** The method of that API object (e.g. `listRoots`), called with `args`. */
  method: string;
  args?: unknown[];
  /** The scenario account the sandbox call is made in (default `member`; License Manager grants: `management`). */
  account?: "member" | "management";
}

/** What the service's request must contain (each given field is compared; others are free). */
export interface RequestExpectation {
  method?: string;
  /** Exact path, or a regular expression when it starts with `^`. */
  path?: string;
  /** X-Amz-Target (awsJson1_1). */
  target?: string;
  /** Query string parameters (subset). */
  query?: Record<string, string>;
  /** Form parameters (awsQuery; subset). */
  form?: Record<string, string>;
  /** JSON body (subset, deep). */
  json?: Record<string, unknown>;
}

export interface ErrorFixture {
  /** The error code AWS returns (`__type`, `x-amzn-ErrorType`, `<Code>`). */
  code: string;
  status: number;
  message?: string;
  /** The SDK's exception name where the wire code differs (awsQuery: `MalformedPolicyDocument` → `…Exception`). */
  sdkName?: string;
  /** The gate the service must name (AwsGateError.gate). */
  gate: AwsGate;
  /**
   * `none`: reported at once (one request); `sdk`: the SDK client retries it (throttling, 5xx);
   * `later`: the service's own bounded retry (TRY_AGAIN_LATER). Retried errors are answered once,
   * then the fixture's response: the call must succeed on the second request.
   */
  retry: "none" | "sdk" | "later";
  /** Where AWS documents this error, when not on the operation's page. */
  source?: string;
}

export interface Fixture {
  /** The file, relative to the fixtures folder. */
  file: string;
  operation: string;
  /** The client (call table `client`). */
  client: string;
  /** The AWS page the fixture is transcribed from (docs.aws.amazon.com). */
  source: string;
  /** Notes on the transcription (which example; fields left out and why). */
  note?: string;
  call: FixtureCall;
  request?: RequestExpectation;
  response: { status?: number; headers?: Record<string, string>; body?: unknown };
  /** The service's parsed result for the response (Dates as ISO strings, Uint8Array as UTF-8 text; `~` when the call returns nothing). */
  expect: unknown;
  sandbox: {
    /** Arguments for the same call against the conformance scenario (default: `call.args`). */
    args?: unknown[];
    /** Key paths of `expect` the scenario legitimately lacks, with why (`path: reason`). */
    mayOmit?: Record<string, string>;
    /** Skip the sandbox comparison (with the reason): the call changes what other fixtures read. */
    skip?: string;
  };
  errors: ErrorFixture[];
}

function fail(file: string, why: string): never {
  throw new Error(`conformance fixture ${file}: ${why}`);
}

function readFixture(file: string): Fixture {
  const raw = parse(readFileSync(path.join(FIXTURE_DIR, file), "utf8")) as Record<string, unknown>;
  for (const key of ["operation", "client", "source", "call", "response"])
    if (raw[key] === undefined) fail(file, `missing ${key}`);
  if (!/^https:\/\/docs\.aws\.amazon\.com\//.test(String(raw.source)))
    fail(file, "source must be an AWS documentation page");
  if (!(String(raw.client) in PROTOCOL)) fail(file, `unknown client ${String(raw.client)}`);
  if (!("expect" in raw)) fail(file, "missing expect (the service's parsed result)");
  return {
    file,
    ...(raw as Omit<Fixture, "file" | "sandbox" | "errors">),
    sandbox: (raw.sandbox as Fixture["sandbox"] | undefined) ?? {},
    errors: (raw.errors as ErrorFixture[] | undefined) ?? [],
  };
}

/** Every fixture under fixtures/<client>/<Operation>.yaml. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of readdirSync(FIXTURE_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(path.join(FIXTURE_DIR, dir.name)).sort())
      if (f.endsWith(".yaml")) out.push(readFixture(`${dir.name}/${f}`));
  }
  return out;
}

/**
 * A value as the fixtures write it: Dates as ISO strings, bytes as text, undefined members dropped;
 * a call that returns nothing (`undefined`) is `null` (`expect: ~`), which YAML can write.
 */
export function plain(v: unknown): unknown {
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "$metadata" || x === undefined) continue;
      out[k] = plain(x);
    }
    return out;
  }
  return v;
}

type Shape = string | { array: Shape | null } | { object: Record<string, Shape> };

/** The type tree of a value; array elements merged (an object key seen in any element counts). */
export function shapeOf(v: unknown): Shape {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) {
    let el: Shape | null = null;
    for (const x of v) el = el === null ? shapeOf(x) : merge(el, shapeOf(x));
    return { array: el };
  }
  if (typeof v === "object") {
    const o: Record<string, Shape> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = shapeOf(x);
    return { object: o };
  }
  // An ISO date and any other string are both strings on the wire once plain().
  return typeof v;
}

function merge(a: Shape, b: Shape): Shape {
  if (typeof a === "object" && typeof b === "object" && "object" in a && "object" in b) {
    const o = { ...a.object };
    for (const [k, s] of Object.entries(b.object)) o[k] = o[k] === undefined ? s : merge(o[k] as Shape, s);
    return { object: o };
  }
  if (typeof a === "object" && typeof b === "object" && "array" in a && "array" in b)
    return { array: a.array === null ? b.array : b.array === null ? a.array : merge(a.array, b.array) };
  return a === "null" ? b : a;
}

/**
 * Where `actual` lacks what `documented` has: key paths missing or of another type. Arrays are
 * compared element shape to element shape (an empty array in `actual` lacks the element).
 */
export function missingFrom(documented: Shape, actual: Shape, at = "$"): string[] {
  if (documented === "null") return [];
  if (typeof documented === "string")
    return documented === actual ? [] : [`${at}: ${documented} documented, ${describe(actual)} answered`];
  if ("array" in documented) {
    if (typeof actual !== "object" || !("array" in actual))
      return [`${at}: array documented, ${describe(actual)} answered`];
    if (documented.array === null) return [];
    if (actual.array === null) return [`${at}[]: documented elements, none answered`];
    return missingFrom(documented.array, actual.array, `${at}[]`);
  }
  if (typeof actual !== "object" || !("object" in actual))
    return [`${at}: object documented, ${describe(actual)} answered`];
  return Object.entries(documented.object).flatMap(([k, s]) =>
    actual.object[k] === undefined ? [`${at}.${k}: missing`] : missingFrom(s, actual.object[k] as Shape, `${at}.${k}`),
  );
}

function describe(s: Shape): string {
  return typeof s === "string" ? s : "array" in s ? "array" : "object";
}

/** Deep subset: every member of `want` is in `got` with the same value. */
export function isSubset(want: unknown, got: unknown): boolean {
  if (want !== null && typeof want === "object" && !Array.isArray(want))
    return (
      got !== null &&
      typeof got === "object" &&
      Object.entries(want as Record<string, unknown>).every(([k, v]) =>
        isSubset(v, (got as Record<string, unknown>)[k]),
      )
    );
  if (Array.isArray(want))
    return Array.isArray(got) && want.length === got.length && want.every((v, i) => isSubset(v, got[i]));
  return want === got;
}
