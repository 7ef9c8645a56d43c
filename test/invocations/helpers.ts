// Shared by the invocation-ingestion tests: a normalized row, plain SQL on the test database, and
// an ingestion started through the API and followed until it finishes.
import pg from "pg";
import { expect } from "vitest";
import type { Ingestion, InvocationRow } from "../../src/modules/invocations/invocations.types.js";
import type { TestApp } from "../helpers/app.js";
import { sleep } from "../helpers/wait.js";

/** Invocation row `i`: one second apart from 2026-10-01, a Converse call; `over` replaces fields. */
export const invocationRow = (i: number, over: Partial<InvocationRow> = {}): InvocationRow => ({
  eventTime: new Date(Date.UTC(2026, 9, 1) + i * 1000),
  eventId: `e-${i}`,
  accountId: "111111111111",
  region: "us-east-1",
  inferenceRegion: "us-east-1",
  eventSource: "bedrock.amazonaws.com",
  eventName: "Converse",
  principalType: "AssumedRole",
  principalArn: null,
  principalIssuerArn: null,
  modelId: "amazon.nova-lite-v1:0",
  profileId: null,
  baseModelId: "amazon.nova-lite-v1:0",
  errorCode: null,
  errorMessage: null,
  sourceIp: null,
  userAgent: null,
  bearerToken: false,
  ...over,
});

export async function query<T>(t: Pick<TestApp, "database">, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: t.database.url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const FINISHED = new Set(["succeeded", "partial", "failed"]);

/** POST /v1/invocation-ingestions as `starter` (202), then polls it as `reader` until it finishes. */
export async function ingestAndWait(
  t: TestApp,
  keys: { starter: string; reader: string },
  body: Record<string, unknown>,
): Promise<Ingestion> {
  const res = await t.app.inject({
    method: "POST",
    url: "/v1/invocation-ingestions",
    headers: { authorization: keys.starter },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(202);
  const id = (res.json() as Ingestion).id;
  for (let i = 0; i < 1200; i++) {
    const now = await t.app.inject({ url: `/v1/invocation-ingestions/${id}`, headers: { authorization: keys.reader } });
    const ing = now.json() as Ingestion;
    if (FINISHED.has(ing.status)) return ing;
    await sleep(100);
  }
  throw new Error(
    `ingestion ${id} did not finish: ${t.logs.lines.filter((l) => /"level":(40|50)/.test(l)).join("\n")}`,
  );
}
