// Webhooks against real local HTTP receivers: the receiver verifies the HMAC-SHA256 signature over
// `${timestamp}.${body}` with the secret it was given once; a receiver that is down gets the delivery
// retried until it is up; the Slack format is `{ text, blocks }`; the delivery log shows attempts.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Socket } from "node:net";
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
    {
      SECRET_ENCRYPTION_KEY: "webhook-test-encryption-key-0123456789abcdef",
      // The receivers below listen on loopback, which webhooks may reach only when allow-listed.
      WEBHOOK_ALLOWED_DESTINATIONS: "127.0.0.1/32",
    },
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
    res.json() as {
      items: Array<{
        status: string;
        attempts: number;
        lastError: string | null;
        lastStatusCode: number | null;
        eventType: string;
      }>;
    }
  ).items;
}

const file = (model: string, key = requester) =>
  t.app.inject({
    method: "POST",
    url: "/v1/access-requests",
    headers: { authorization: key },
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
    // Delivery outcomes are counted: the refused attempt as retrying, the last one as succeeded.
    const metrics = await t.services.metrics.render();
    expect(metrics).toMatch(/^bedrock_governor_webhook_deliveries_total\{outcome="retrying"\} [1-9]/m);
    expect(metrics).toMatch(/^bedrock_governor_webhook_deliveries_total\{outcome="succeeded"\} [1-9]/m);
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
    expect(log[0]).toMatchObject({ lastStatusCode: 401, lastError: "receiver answered 4xx" });
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

  it("Slack messages escape &, < and > in names and comments: no mentions, no disguised links", async () => {
    let secret = "";
    const r = receiver(() => secret);
    servers.push(r.server);
    const port = await listen(r.server);
    const hook = await createHook({
      name: "slack-escaped",
      url: `http://127.0.0.1:${port}/slack`,
      eventTypes: ["access_request.cancelled"],
      format: "slack",
    });
    secret = hook.secret;
    const eve = await t.keyFor("requester", "Eve <!channel> <@U024BE7LH>");
    const filed = await file(MISTRAL, eve);
    expect(filed.statusCode, filed.body).toBe(201);
    const comment = "<https://evil.example/steal|Approve here> & <!here> <!subteam^S012>";
    const cancelled = await t.app.inject({
      method: "POST",
      url: `/v1/access-requests/${(filed.json() as { id: string }).id}/cancel`,
      headers: { authorization: eve },
      payload: { comment },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await eventually(
      async () => r.got.length,
      (n) => n >= 1,
      "received",
    );
    expect(r.verified).toEqual([true]);
    const body = r.got[0]?.body ?? "";
    const message = JSON.parse(body) as { text: string; blocks: unknown[] };
    // Every string Slack reads as mrkdwn: the top-level text and each text object of the blocks.
    const texts: string[] = [message.text];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o.type === "mrkdwn") {
          texts.push(String(o.text));
          expect(o.verbatim).toBe(true);
        }
        Object.values(o).forEach(walk);
      }
    };
    walk(message.blocks);
    for (const text of texts) {
      expect(text).not.toMatch(/[<>]/);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(message.text).toContain("Eve &lt;!channel&gt; &lt;@U024BE7LH&gt;");
    expect(texts.join("\n")).toContain(
      "&lt;https://evil.example/steal|Approve here&gt; &amp; &lt;!here&gt; &lt;!subteam^S012&gt;",
    );
  }, 60_000);

  it("delivery errors are generic: a closed port and an open port that is not HTTP read the same", async () => {
    // An open port speaking another protocol, and a port nothing listens on.
    const sockets = new Set<Socket>();
    const tcp = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.end("SSH-2.0-OpenSSH_9.6\r\n");
    });
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const open = (tcp.address() as AddressInfo).port;
    const spare = createServer();
    const closed = await listen(spare);
    await close(spare);
    const hooks = await Promise.all(
      [open, closed].map((port) =>
        createHook({ name: `probe-${port}`, url: `http://127.0.0.1:${port}/`, eventTypes: ["access_request.created"] }),
      ),
    );
    const ids = await t.db.transaction((tx) =>
      t.services.webhooks.emit({ type: "access_request.created", summary: "probe", data: { requestId: "probe" } }, tx),
    );
    await t.services.webhooks.dispatch(ids);
    try {
      for (const hook of hooks) {
        const log = await eventually(
          () => deliveries(hook.webhook.id),
          (d) => (d[0]?.attempts ?? 0) >= 1,
          "attempted",
        );
        expect(log[0]).toMatchObject({ lastError: "connection failed", lastStatusCode: null });
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
    // The details are in the server log.
    expect(t.logs.lines.some((l) => l.includes("ECONNREFUSED"))).toBe(true);
  }, 60_000);

  it("the allow-list opens only what it names: other loopback addresses and metadata stay refused", async () => {
    for (const url of [
      "http://127.0.0.2/x",
      "http://[::1]/x",
      "http://169.254.169.254/latest/meta-data/",
      "http://10.0.0.1/",
    ]) {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/webhooks",
        headers: { authorization: admin },
        payload: { name: "x", url, eventTypes: ["*"] },
      });
      expect(res.statusCode, url).toBe(422);
      expect(res.json(), url).toMatchObject({ code: "DESTINATION_NOT_ALLOWED" });
    }
  });

  it("webhook URLs are shown in full only in the creation answer: scheme://host/… elsewhere and in audit events", async () => {
    const full = "http://127.0.0.1:9/services/T000/B000/XXXXSECRETPATH?token=SECRETQUERY";
    const created = await createHook({ name: "tokened", url: full, eventTypes: ["*"], active: false });
    expect((created.webhook as unknown as { url: string }).url).toBe(full);
    const shown = "http://127.0.0.1:9/…";
    const got = await t.app.inject({ url: `/v1/webhooks/${created.webhook.id}`, headers: { authorization: admin } });
    expect(got.json()).toMatchObject({ url: shown });
    const list = await t.app.inject({ url: "/v1/webhooks", headers: { authorization: admin } });
    expect(list.body).not.toMatch(/SECRETPATH|SECRETQUERY/);
    // A PUT with the shown URL keeps the stored one; renaming it is audited without the URL's secrets.
    const put = await t.app.inject({
      method: "PUT",
      url: `/v1/webhooks/${created.webhook.id}`,
      headers: { authorization: admin },
      payload: { name: "tokened-renamed", url: shown, eventTypes: ["*"], active: false },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ name: "tokened-renamed", url: shown });
    expect((await t.db.client.webhook.findUnique({ where: { id: created.webhook.id } }))?.url).toBe(full);
    const auditor = await t.keyFor("auditor");
    const audit = await t.app.inject({ url: "/v1/audit-events?limit=200", headers: { authorization: auditor } });
    expect(audit.statusCode, audit.body).toBe(200);
    expect(audit.body).toContain(created.webhook.id);
    expect(audit.body).toContain("127.0.0.1:9/…");
    expect(audit.body).not.toMatch(/SECRETPATH|SECRETQUERY/);
    const rows = await t.db.client.auditEvent.findMany({ where: { targetId: created.webhook.id } });
    expect(rows.map((a) => a.action).sort()).toEqual(["webhook.create", "webhook.update"]);
    expect(JSON.stringify(rows.map((a) => [a.before, a.after]))).not.toMatch(/SECRETPATH|SECRETQUERY/);
  });
});
