// Webhook SSRF: with no allow-list, a webhook may not reach the service's own network. Refused when
// registered (every loopback spelling, private, link-local, metadata, unspecified) and, after DNS
// resolution, at delivery; the address checked is the address connected to (no second lookup a
// rebinding DNS server could answer differently). All traffic here stays on 127.0.0.1: refused
// destinations are refused before any connection.
import type { LookupAddress } from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { DestinationRefusedError, guardedLookup, refusedUrl } from "../../src/lib/network-destination.js";
import { createGuardedPost } from "../../src/lib/outbound-http.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { eventually } from "../helpers/wait.js";

let t: TestApp;
let admin: string;
const servers: Server[] = [];

/** A receiver on 127.0.0.1 counting what reaches it. */
async function receiver(): Promise<{ port: number; hits: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, hits: () => n };
}

beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_RETRY_DELAY_SECONDS: "1", WEBHOOK_RETRY_LIMIT: "1" });
  admin = await t.keyFor("admin");
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await t?.close();
});

const create = (url: string) =>
  t.app.inject({
    method: "POST",
    url: "/v1/webhooks",
    headers: { authorization: admin },
    payload: { name: "hook", url, eventTypes: ["*"] },
  });

describe("webhook destinations", () => {
  it("refuses loopback in any spelling, private, link-local, metadata and unspecified addresses at registration", async () => {
    const refused = [
      "http://127.0.0.1:5432/",
      "http://127.1:5432/",
      "http://0x7f000001/",
      "http://2130706433/",
      "http://0177.0.0.1/",
      "http://[::1]:5432/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/",
      "http://localhost:5432/",
      "http://api.localhost/",
      "http://10.1.2.3/",
      "http://172.16.0.1/",
      "http://172.31.255.255/",
      "http://192.168.1.1/",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
      "http://[fc00::1]/",
      "http://[fd12:3456::1]/",
      "http://0.0.0.0/",
      "http://[::]/",
      "http://[64:ff9b::a00:1]/",
      "http://100.64.0.1/",
      "http://100.127.255.254/",
      "http://224.0.0.1/",
      "http://239.255.255.250/",
      "http://[ff02::1]/",
      "http://240.0.0.1/",
      "http://255.255.255.255/",
    ];
    for (const url of refused) {
      const res = await create(url);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(422);
      expect(res.json(), url).toMatchObject({ code: "DESTINATION_NOT_ALLOWED", errors: [{ field: "body.url" }] });
    }
    expect(await t.db.client.webhook.count()).toBe(0);
    // A public address (names are resolved at delivery, not here: no DNS query in this test).
    expect((await create("https://172.32.0.1/hooks")).statusCode).toBe(201);
    expect((await create("https://hooks.example.com/services/T0/B0/x")).statusCode).toBe(201);
  });

  it("refuses at delivery a stored loopback name or address; nothing is sent", async () => {
    const r = await receiver();
    const byName = (await create("https://hooks.example.com/a")).json() as { webhook: { id: string } };
    const byAddress = (await create("https://hooks.example.com/b")).json() as { webhook: { id: string } };
    // Rows written before these checks existed, or a name whose DNS answer changed since.
    await t.db.client.webhook.update({
      where: { id: byName.webhook.id },
      data: { url: `http://localhost:${r.port}/`, eventTypes: ["access_request.created"] },
    });
    await t.db.client.webhook.update({
      where: { id: byAddress.webhook.id },
      data: { url: `http://127.1:${r.port}/`, eventTypes: ["access_request.created"] },
    });
    await t.db.client.webhook.updateMany({
      where: { id: { notIn: [byName.webhook.id, byAddress.webhook.id] } },
      data: { active: false },
    });
    const ids = await t.db.transaction((tx) =>
      t.services.webhooks.emit(
        { type: "access_request.created", summary: "test", data: { requestId: "r-1", actorId: SYSTEM_PRINCIPAL.id } },
        tx,
      ),
    );
    expect(ids).toHaveLength(2);
    await t.services.webhooks.dispatch(ids);
    const log = (id: string) =>
      eventually(
        async () => t.db.client.webhookDelivery.findFirst({ where: { webhookId: id } }),
        (d) => d?.status === "failed",
        "failed",
      );
    expect(await log(byName.webhook.id)).toMatchObject({
      lastError: "destination refused: loopback name",
      lastStatusCode: null,
    });
    expect(await log(byAddress.webhook.id)).toMatchObject({
      lastError: "destination refused: loopback address",
      lastStatusCode: null,
    });
    expect(r.hits()).toBe(0);
  }, 60_000);

  it("connects to the address it checked: one lookup per delivery, a later answer cannot switch it", async () => {
    const r = await receiver();
    const answers: LookupAddress[][] = [
      [{ address: "127.0.0.1", family: 4 }],
      [{ address: "169.254.169.254", family: 4 }],
    ];
    let lookups = 0;
    const allow = { cidrs: ["127.0.0.1/32"], hosts: [] };
    const post = createGuardedPost(
      allow,
      guardedLookup(allow, (_name, cb) => cb(null, answers[Math.min(lookups++, answers.length - 1)] ?? [])),
    );
    const req = { url: `http://rebind.test:${r.port}/hook`, headers: {}, body: "{}", timeoutMs: 5_000 };
    expect((await post(req)).status).toBe(204);
    expect(lookups).toBe(1);
    expect(r.hits()).toBe(1);
    // The name now answers the metadata address: refused before connecting.
    await expect(post(req)).rejects.toBeInstanceOf(DestinationRefusedError);
    expect(r.hits()).toBe(1);
  });

  it("refuses a name when any of its addresses is refused, whichever one would be picked", async () => {
    const post = createGuardedPost(
      { cidrs: [], hosts: [] },
      guardedLookup({ cidrs: [], hosts: [] }, (_name, cb) =>
        cb(null, [
          { address: "93.184.216.34", family: 4 },
          { address: "::ffff:10.0.0.1", family: 6 },
        ]),
      ),
    );
    await expect(post({ url: "http://mixed.test/hook", headers: {}, body: "{}", timeoutMs: 5_000 })).rejects.toThrow(
      "destination refused: private address",
    );
  });

  it("refuses cloud metadata even when its link-local block is allow-listed", async () => {
    const allow = { cidrs: ["169.254.0.0/16"], hosts: ["metadata.internal"] };
    // The allow-list does open the block for other addresses...
    expect(refusedUrl(new URL("http://169.254.1.1/"), allow)).toBeUndefined();
    expect(refusedUrl(new URL("http://169.254.1.1/"), { cidrs: [], hosts: [] })).toBe("link-local address");
    // ...but never the metadata endpoints, neither by address nor by an allow-listed name.
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://169.254.170.2/v2/credentials"])
      expect(refusedUrl(new URL(url), allow), url).toBe("cloud metadata address");
    const r = await receiver();
    const post = createGuardedPost(
      allow,
      guardedLookup(allow, (_name, cb) => cb(null, [{ address: "169.254.169.254", family: 4 }])),
    );
    await expect(
      post({ url: `http://metadata.internal:${r.port}/latest/meta-data/`, headers: {}, body: "{}", timeoutMs: 5_000 }),
    ).rejects.toThrow("destination refused: cloud metadata address");
    expect(r.hits()).toBe(0);
  });
});
