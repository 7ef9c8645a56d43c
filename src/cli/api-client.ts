// The CLI's client of the service's own API (GOVERNOR_URL, GOVERNOR_API_KEY): the commands people
// run with a role go through it, so the same authorization, validation and audit apply as over
// HTTP. A refusal becomes an ApiError carrying the problem+json the API answered.
import type { Config } from "../config.js";

export interface ApiProblem {
  status: number;
  code?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

export class ApiError extends Error {
  constructor(readonly problem: ApiProblem) {
    const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
    super(`${problem.status} ${problem.code ?? ""}: ${problem.detail ?? ""}${fields ? ` (${fields})` : ""}`.trim());
    this.name = "ApiError";
  }
}

export interface ApiCallOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

export type ApiCall = <T>(
  method: string,
  path: string,
  opts?: ApiCallOptions,
) => Promise<{ status: number; body: T; headers: Headers }>;

function settings(config: Readonly<Config>): { base: string; key: string } {
  const key = config.apiClient.apiKey;
  if (!key)
    throw new Error("GOVERNOR_API_KEY is not set (an API key; create one with `bedrock-governor api-key create`)");
  return { base: config.apiClient.url.replace(/\/+$/, ""), key };
}

async function send(config: Readonly<Config>, method: string, path: string, opts: ApiCallOptions): Promise<Response> {
  const { base, key } = settings(config);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      accept: "application/json",
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) {
    const text = await res.text();
    let problem: object = {};
    try {
      problem = text ? (JSON.parse(text) as object) : {};
    } catch {
      problem = { detail: text.slice(0, 200) };
    }
    throw new ApiError({ status: res.status, ...problem });
  }
  return res;
}

/** A JSON call: the parsed answer, or ApiError with the API's problem. */
export function client(config: Readonly<Config>): ApiCall {
  settings(config); // a missing key fails before any call
  return async function call<T>(method: string, path: string, opts: ApiCallOptions = {}) {
    const res = await send(config, method, path, opts);
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    return { status: res.status, body: body as T, headers: res.headers };
  };
}

/** A download (GET): the answer's bytes as they came. */
export async function download(config: Readonly<Config>, path: string): Promise<{ bytes: Buffer; type: string }> {
  const res = await send(config, "GET", path, {});
  return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get("content-type") ?? "" };
}

/** Every page of a keyset-paginated list (`items`, `nextCursor`), up to `max` items. */
export async function allPages<T>(call: ApiCall, path: string, query: URLSearchParams, max = 10_000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams(query);
    q.set("limit", q.get("limit") ?? "200");
    if (cursor) q.set("cursor", cursor);
    const res = await call<{ items: T[]; nextCursor?: string }>("GET", `${path}?${q}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

/** An aligned table: one header line, then one line per row (columns separated by two spaces). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [fmt(header), ...rows.map(fmt)].join("\n");
}
