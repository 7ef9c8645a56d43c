import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

let t: TestApp;
let admin: string;
let viewer: string;

const doc = (entries: string) => `entries:\n${entries}`;
const SONNET = `  - id: claude-sonnet-prod
    model: anthropic.claude-sonnet-4-5-20250929-v1:0
    viaProfiles: [us.anthropic.claude-sonnet-4-5-20250929-v1:0]
    scope: { ou: ou-demo-prod0001 }
    geography: US
    conditions: { loggingRequired: true }
    owner: platform-team
    justification: customer support assistant
`;
const NOVA = `  - id: nova-everywhere
    model: amazon.nova-*
    scope: organization
    owner: platform-team
    justification: default models
`;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.keyFor("admin");
  viewer = await t.keyFor("viewer");
});
afterAll(async () => t?.close());

const call = (
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  authorization: string,
  payload?: object,
  headers: Record<string, string> = {},
) => t.app.inject({ method, url, headers: { authorization, ...headers }, ...(payload ? { payload } : {}) });

describe("catalog documents", () => {
  it("parse YAML into entries; errors name the path of the bad value", () => {
    const entries = parseCatalogDocument(doc(SONNET + NOVA));
    expect(entries.map((e) => e.id)).toEqual(["claude-sonnet-prod", "nova-everywhere"]);
    expect(entries[0]).toMatchObject({
      scope: { kind: "ou", id: "ou-demo-prod0001" },
      geography: "US",
      conditions: { loggingRequired: true },
    });
    expect(() => parseCatalogDocument(doc(NOVA.replace("scope: organization", "scope: planet")))).toThrow(
      /entries\[0\]\.scope/,
    );
    expect(() =>
      parseCatalogDocument(doc(NOVA.replace("owner: platform-team", "owner: platform-team\n    colour: red"))),
    ).toThrow(/entries\[0\]/);
    expect(() => parseCatalogDocument(doc(NOVA + NOVA))).toThrow(/duplicate entry id nova-everywhere/);
    expect(() => parseCatalogDocument("entries: [")).toThrow(/not valid YAML/);
  });
});

describe("catalog over HTTP", () => {
  it("diff shows the changes before apply makes them; apply is one audited change set", async () => {
    const diff = await call("POST", "/v1/catalog/diff", viewer, { document: doc(SONNET + NOVA) });
    expect(diff.statusCode).toBe(200);
    expect(diff.json().create.map((e: { id: string }) => e.id)).toEqual(["claude-sonnet-prod", "nova-everywhere"]);
    expect((await call("GET", "/v1/catalog/entries", viewer)).json().items).toEqual([]);

    expect((await call("POST", "/v1/catalog/apply", viewer, { document: doc(NOVA), reason: "x" })).statusCode).toBe(
      403,
    );
    const applied = await call("POST", "/v1/catalog/apply", admin, {
      document: doc(SONNET + NOVA),
      reason: "initial catalog",
    });
    expect(applied.statusCode).toBe(200);
    expect(applied.json().changeSetId).toMatch(/^[0-9a-f-]{36}$/);
    const items = (await call("GET", "/v1/catalog/entries", viewer)).json().items;
    expect(items.map((i: { entry: { id: string }; version: number }) => [i.entry.id, i.version])).toEqual([
      ["claude-sonnet-prod", 1],
      ["nova-everywhere", 1],
    ]);
    const audit = (
      await call("GET", `/v1/audit-events?action=catalog.change&targetId=${applied.json().changeSetId}`, admin)
    ).json().items;
    expect(audit[0].after).toMatchObject({ reason: "initial catalog", created: 2 });

    // Applying the same document again changes nothing.
    const again = await call("POST", "/v1/catalog/apply", admin, { document: doc(SONNET + NOVA), reason: "no-op" });
    expect(again.json()).toMatchObject({ create: [], update: [], delete: [], unchanged: 2, changeSetId: null });
  });

  it("keeps every version with who and why, and reads back the catalog in force at a past time", async () => {
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const changed = await call("POST", "/v1/catalog/apply", admin, {
      document: doc(SONNET.replace("geography: US", "geography: EU").replace("us.anthropic", "eu.anthropic")),
      reason: "move support to the EU; retire nova",
    });
    expect(changed.json().update[0]).toMatchObject({ id: "claude-sonnet-prod", fields: ["geography", "viaProfiles"] });
    expect(changed.json().delete.map((e: { id: string }) => e.id)).toEqual(["nova-everywhere"]);

    const now = (await call("GET", "/v1/catalog/entries", viewer)).json().items;
    expect(now.map((i: { entry: { id: string; geography: string } }) => [i.entry.id, i.entry.geography])).toEqual([
      ["claude-sonnet-prod", "EU"],
    ]);
    const past = (await call("GET", `/v1/catalog/entries?at=${before}`, viewer)).json().items;
    expect(
      past.map((i: { entry: { id: string; geography?: string } }) => [i.entry.id, i.entry.geography ?? null]),
    ).toEqual([
      ["claude-sonnet-prod", "US"],
      ["nova-everywhere", null],
    ]);
    const history = (await call("GET", "/v1/catalog/entries/nova-everywhere/history", viewer)).json().items;
    expect(history.map((h: { op: string; version: number }) => [h.op, h.version])).toEqual([
      ["deleted", 2],
      ["created", 1],
    ]);
    expect(history[0]).toMatchObject({ reason: "move support to the EU; retire nova", entry: null });
    const yaml = await call("GET", `/v1/catalog/document?at=${before}`, viewer);
    expect(yaml.headers["content-type"]).toMatch(/yaml/);
    expect(parseCatalogDocument(yaml.body).map((e) => e.id)).toEqual(["claude-sonnet-prod", "nova-everywhere"]);
  });

  it("single-entry edits carry the version seen: a stale If-Match gets 412 and changes nothing", async () => {
    const got = await call("GET", "/v1/catalog/entries/claude-sonnet-prod", viewer);
    const etag = got.headers.etag as string;
    const entry = { ...got.json().entry };
    delete entry.id;
    const first = await call(
      "PUT",
      "/v1/catalog/entries/claude-sonnet-prod",
      admin,
      { entry: { ...entry, owner: "ml-platform" }, reason: "new owner" },
      { "if-match": etag },
    );
    expect(first.statusCode).toBe(200);
    const stale = await call(
      "PUT",
      "/v1/catalog/entries/claude-sonnet-prod",
      admin,
      { entry: { ...entry, owner: "someone-else" }, reason: "race" },
      { "if-match": etag },
    );
    expect(stale.statusCode).toBe(412);
    expect((await call("GET", "/v1/catalog/entries/claude-sonnet-prod", viewer)).json().entry.owner).toBe(
      "ml-platform",
    );
  });

  it("bad input is a 4xx naming the field and writes nothing", async () => {
    const versions = async () =>
      (await call("GET", "/v1/catalog/entries/claude-sonnet-prod/history", viewer)).json().items.length;
    const n = await versions();
    const bad = await call("PUT", "/v1/catalog/entries/claude-sonnet-prod", admin, {
      entry: { model: "x", scope: "organization", owner: "o", justification: "j", regions: ["mars-1"] },
      reason: "bad",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toMatch(/^body\.entry/);
    const noReason = await call("POST", "/v1/catalog/apply", admin, { document: doc(NOVA) });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe("body.reason");
    const badDoc = await call("POST", "/v1/catalog/apply", admin, {
      document: doc(NOVA.replace("amazon.nova-*", "BAD MODEL")),
      reason: "r",
    });
    expect(badDoc.statusCode).toBe(422);
    expect(badDoc.json().errors[0].field).toBe("entries[0].model");
    expect(await versions()).toBe(n);
  });

  it("serves the document's JSON Schema to every role: the committed catalog.schema.json", async () => {
    const res = await call("GET", "/v1/catalog/schema", viewer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/schema\+json/);
    expect(res.json()).toEqual(JSON.parse(readFileSync("catalog.schema.json", "utf8")));
    expect((await t.app.inject({ url: "/v1/catalog/schema" })).statusCode).toBe(401);
    const exported = await call("GET", "/v1/catalog/document", viewer);
    expect(exported.body.split("\n")[0]).toBe("# yaml-language-server: $schema=./catalog.schema.json");
  });

  it("an entitlement on a model pattern is refused with the field named (the schema's rule)", async () => {
    const res = await call("PUT", "/v1/catalog/entries/nova-licensed", admin, {
      entry: {
        model: "amazon.nova-*",
        scope: "organization",
        owner: "o",
        justification: "j",
        entitlement: { licenseArn: "arn:aws:license-manager::111122223333:license:l-0123456789abcdef" },
      },
      reason: "licensed",
    });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().errors[0]).toEqual({
      field: "body.entry[0].entitlement",
      message: "needs an exact model id (no *)",
    });
    expect((await call("GET", "/v1/catalog/entries/nova-licensed", viewer)).statusCode).toBe(404);
  });

  it("history rows are immutable in the database", async () => {
    await expect(t.db.client.$executeRawUnsafe(`UPDATE catalog_versions SET reason = 'rewritten'`)).rejects.toThrow(
      /immutable/,
    );
    await expect(t.db.client.$executeRawUnsafe(`DELETE FROM catalog_versions`)).rejects.toThrow(/immutable/);
  });
});
