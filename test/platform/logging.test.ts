import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { LogCapture, startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe("logs", () => {
  it("carry the request id on every request line and never the bearer token", async () => {
    const key = await t.keyFor("admin");
    const secret = key.slice("Bearer ".length);
    t.logs.lines.length = 0;
    const res = await t.app.inject({ url: "/v1/me", headers: { authorization: key, "x-api-key": secret } });
    expect(res.statusCode).toBe(200);
    const bad = await t.app.inject({ url: "/v1/me", headers: { authorization: `Bearer ${secret}x` } });
    expect(bad.statusCode).toBe(401);
    const lines = t.logs.json();
    // One access line per request, with the request (method, URL, redacted headers) and the status.
    const access = lines.filter((l) => l.msg === "request completed");
    expect(access.map((l) => [(l.req as { url: string }).url, (l.res as { statusCode: number }).statusCode])).toEqual([
      ["/v1/me", 200],
      ["/v1/me", 401],
    ]);
    for (const line of lines) expect(line.requestId, JSON.stringify(line)).toBeTypeOf("string");
    expect(t.logs.lines.join("\n")).not.toContain(secret.slice(21));
  });

  it("redact AWS credentials, session tokens, passwords and API keys wherever they sit", () => {
    const capture = new LogCapture();
    const log = createLogger("info", capture);
    log.info(
      {
        credentials: {
          AccessKeyId: "ASIAEXAMPLE",
          SecretAccessKey: "wJalrXUtnFEMI/K7MDENG",
          SessionToken: "FwoGZXIvYXdzEJr//////////",
        },
        aws: { client: { secretAccessKey: "sk-nested", sessionToken: "st-nested" } },
        req: { headers: { authorization: "Bearer abc.def.ghi", "x-api-key": "bgk_x" } },
        apiKey: "bgk_top",
        password: "hunter2",
        databaseUrl: "postgresql://u:pw@h/db",
      },
      "with secrets",
    );
    const text = capture.lines.join("\n");
    for (const s of [
      "wJalrXUtnFEMI",
      "FwoGZXIvYXdzEJr",
      "sk-nested",
      "st-nested",
      "abc.def.ghi",
      "bgk_x",
      "bgk_top",
      "hunter2",
      "u:pw@",
    ]) {
      expect(text).not.toContain(s);
    }
    expect(text).toContain("ASIAEXAMPLE"); // an access key id is not a secret, and helps tracing
    expect(text).toContain("[redacted]");
  });

  it("log errors without the objects hanging off them", () => {
    const capture = new LogCapture();
    const log = createLogger("info", capture);
    const err = Object.assign(new Error("boom"), {
      code: "E1",
      client: { password: "leak", huge: "x".repeat(10_000) },
    });
    log.error({ err }, "failed");
    const [line] = capture.json();
    expect(line?.err).toMatchObject({ message: "boom", code: "E1", type: "Error" });
    expect(capture.lines[0]).not.toContain("leak");
    expect(capture.lines[0]?.length).toBeLessThan(5_000);
  });
});
