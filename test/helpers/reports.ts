// A compliance report through the API as a client makes one: request it, follow it until it is
// ready, download it. A report that fails or never gets ready fails the test with its error.
import { expect } from "vitest";
import type { TestApp } from "./app.js";

export interface DownloadedReport {
  id: string;
  /** The report's view once ready (status, progress, sizeBytes, downloadUrl, …). */
  meta: Record<string, unknown>;
  data: Buffer;
  type: string;
}

export async function requestReport(
  t: Pick<TestApp, "app">,
  key: string,
  payload: Record<string, unknown>,
): Promise<DownloadedReport> {
  const res = await t.app.inject({ method: "POST", url: "/v1/reports", headers: { authorization: key }, payload });
  expect(res.statusCode, res.body).toBe(202);
  const id = (res.json() as { id: string }).id;
  for (let i = 0; i < 600; i++) {
    const meta = (await t.app.inject({ url: `/v1/reports/${id}`, headers: { authorization: key } })).json() as Record<
      string,
      unknown
    >;
    if (meta.status === "failed") throw new Error(`report ${id} failed: ${String(meta.error)}`);
    if (meta.status === "ready") {
      const dl = await t.app.inject({ url: String(meta.downloadUrl), headers: { authorization: key } });
      expect(dl.statusCode).toBe(200);
      return { id, meta, data: dl.rawPayload, type: String(dl.headers["content-type"]) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`report ${id} not ready`);
}
