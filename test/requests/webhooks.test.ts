// Webhooks against real local HTTP receivers: the receiver verifies the HMAC-SHA256 signature over
// `${timestamp}.${body}` with the secret it was given once; a receiver that is down gets the delivery
// retried until it is up; the Slack format is `{ text, blocks }`; the delivery log shows attempts.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox, SecretBoxError } from "../../src/lib/secret-box.js";
import type { TestApp } from "../helpers/app.js";
import { eventually } from "../helpers/wait.js";
import { DEV, E1, LLAMA, MISTRAL, startRequestsApp } from "./helpers.js";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A receiver that checks signatures the way a customer's would. */
function receiver(secret: () => string) {
  const got: Received[] = [];
  const verified: boolean[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const ts = String(req.headers["x-governor-timestamp"]);
      const sig = String(req.headers["x-governor-signature"]);
      const expected = `v1=${createHmac("sha256", secret()).update(`${ts}.${body}`).digest("hex")}`;
      const ok =
        sig.length === expected.length &&
        timingSafeEqual(Buffer.from(sig), Buffer.from(expected)) &&
        Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      got.push({ headers: req.headers, body });
      verified.push(ok);
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  return { server, got, verified };
}

const listen = (server: Server, port = 0) =>
  new Promise<number>((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

let t: TestApp;
let admin: string;
let requester: string;
const servers: Server[] = [];

beforeAll(async () => {
  // Signing secrets encrypted at rest: every delivery below signs with a secret read back through it.
  t = await startRequestsApp(
    { enforceCatalog: false },
    { SECRET_ENCRYPTION_KEY: "webhook-test-encryption-key-0123456789abcdef" },
  );
  admin = await t.keyFor("admin");
  requester = await t.keyFor("requester", "dev-alice");
}, 120_000);
afterAll(async () => {
  for (const s of servers) if (s.listening) await close(s);
  await t?.close();
});

async function createHook(payload: Record<string, unknown>) {
  const res = await t.app.inject({ method: "POST", url: "/v1/webhooks", headers: { authorization: admin }, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { webhook: { id: string }; secret: string };
}

async function deliveries(id: string) {
  const res = await t.app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: { authorization: admin } });
  expect(res.statusCode, res.body).toBe(200);
  return (
    res.json() as { items: Array<{ status: string; attempts: number; lastError: string | null; eventType: string }> }
  ).items;
}

const file = (model: string) =>
  t.app.inject({
    method: "POST",
    url: "/v1/access-requests",
    headers: { authorization: requester },
    payload: {
      accountIds: [DEV],
      regions: [E1],
      model,
      purpose: "webhook test request",
      dataClassification: "internal",
      durationHours: 1,
    },
  });

describe("webhooks", () => {
  it("bad webhooks are refused naming the field; the secret is never shown again", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: { authorization: admin },
      payload: { name: "x", url: "http://127.0.0.1:9/x", eventTypes: ["access_request.nope"] },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ errors: [{ field: "body.eventTypes[0]" }] });
    const ftp = await t.app.inject({
      method: "POST",
      url: "/v1/webhooks",
      headers: { authorization: admin },
      payload: { name: "x", url: "ftp://example.com/x", eventTypes: ["*"] },
    });
    expect(ftp.json()).toMatchObject({ code: "INVALID_URL", errors: [{ field: "body.url" }] });
    expect(await t.db.client.webhook.count()).toBe(0);
  });

  it("a receiver verifies the signature; a receiver that is down gets the delivery retried", async () => {
    let secret = "";
    const r = receiver(() => secret);
    servers.push(r.server);
    // Reserve a port, then leave it closed: the receiver is down.
    const port = await listen(r.server);
    await close(r.server);
    const hook = await createHook({
      name: "ops channel",
      url: `http://127.0.0.1:${port}/hooks/governor`,
      eventTypes: ["access_request.created"],
    });
    secret = hook.secret;
    const listed = await t.app.inject({ url: `/v1/webhooks/${hook.webhook.id}`, headers: { authorization: admin } });
    expect(listed.body).not.toContain(secret);

    expect((await file(MISTRAL)).statusCode).toBe(201);
    const failed = await eventually(
      () => deliveries(hook.webhook.id),
      (d) => (d[0]?.attempts ?? 0) >= 1,
      "attempted",
    );
    expect(failed[0]).toMatchObject({ status: "pending", eventType: "access_request.created" });
    expect(failed[0]?.lastError).toBeTruthy();
    expect(r.got).toHaveLength(0);

    await listen(r.server, port);
    const done = await eventually(
      () => deliveries(hook.webhook.id),
      (d) => d[0]?.status === "succeeded",
      "delivered after the receiver came up",
    );
    expect(done[0]?.attempts).toBeGreaterThanOrEqual(2);
    expect(r.got).toHaveLength(1);
    expect(r.verified).toEqual([true]);
    const event = JSON.parse(r.got[0]?.body ?? "{}") as { type: string; data: Record<string, unknown> };
    expect(event).toMatchObject({ type: "access_request.created", data: { model: MISTRAL, accountIds: [DEV] } });
    expect(r.got[0]?.headers["x-governor-event"]).toBe("access_request.created");
    // The secret never reaches the logs.
    expect(t.logs.lines.some((l) => l.includes(secret))).toBe(false);
  }, 60_000);

  it("a Slack-format webhook gets { text, blocks }; a wrong secret fails verification", async () => {
    const r = receiver(() => "not-the-secret");
    servers.push(r.server);
    const port = await listen(r.server);
    const hook = await createHook({
      name: "slack",
      url: `http://127.0.0.1:${port}/slack`,
      eventTypes: ["*"],
      format: "slack",
    });
    expect((await file(LLAMA)).statusCode).toBe(201);
    await eventually(
      async () => r.got.length,
      (n) => n >= 1,
      "received",
    );
    const slack = JSON.parse(r.got[0]?.body ?? "{}") as { text: string; blocks: unknown[] };
    expect(slack.text).toContain(LLAMA);
    expect(slack.blocks.length).toBeGreaterThan(0);
    // The receiver with the wrong secret refused it: the signature really depends on the secret.
    expect(r.verified[0]).toBe(false);
    const log = await eventually(
      () => deliveries(hook.webhook.id),
      (d) => (d[0]?.attempts ?? 0) >= 1,
      "logged",
    );
    expect(log[0]?.lastError).toContain("401");
    const audit = await t.db.client.auditEvent.findMany({ where: { action: { startsWith: "webhook." } } });
    expect(audit.map((a) => a.action).sort()).toEqual(["webhook.create", "webhook.create"]);
    expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain("whsec_");
  }, 60_000);

  it("signing secrets are stored encrypted and bound to their webhook", async () => {
    const one = await createHook({ name: "sealed-1", url: "http://127.0.0.1:9/a", eventTypes: ["*"] });
    const two = await createHook({ name: "sealed-2", url: "http://127.0.0.1:9/b", eventTypes: ["*"] });
    const rows = await t.db.client.webhook.findMany({ select: { id: true, secret: true } });
    for (const row of rows) expect(row.secret, row.id).toMatch(/^enc:v1:/);
    const stored = (id: string) => rows.find((r) => r.id === id)?.secret ?? "";
    expect(stored(one.webhook.id)).not.toContain(one.secret.slice(6));
    const box = createSecretBox(t.config.security.secretEncryptionKey, "webhook secret");
    expect(box.open(stored(one.webhook.id), one.webhook.id)).toBe(one.secret);
    // A sealed secret copied onto another webhook's row does not open there.
    expect(() => box.open(stored(one.webhook.id), two.webhook.id)).toThrow(SecretBoxError);
  });
});
