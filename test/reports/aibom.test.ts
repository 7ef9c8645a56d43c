// The AI bill of materials end to end: a sandbox organization synced and reconciled against a
// catalog, invocations written by the ingestion writer, then GET /v1/aibom. The document is checked
// against the CycloneDX 1.6 JSON schema here, with the library's strict validator in this process
// (independently of the service's own check), and its components against the catalog and inventory.
import * as CDX from "@cyclonedx/cyclonedx-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_PRINCIPAL } from "../../src/kernel/principal.js";
import { parseCatalogDocument } from "../../src/modules/catalog/catalog-document.js";
import { createInvocationEventsRepository } from "../../src/modules/invocations/invocation-events.repository.js";
import { normalizeRecord } from "../../src/modules/invocations/normalize.js";
import { createBomValidator } from "../../src/modules/reports/aibom-validator.js";
import { buildTrailEvent } from "../../src/sandbox/trail.js";
import { APP, healthyOrg, MGMT, NOVA, OU, ROLE, SONNET } from "../helpers/healthy-org.js";
import { type SandboxApp, startSandboxApp } from "../helpers/sandbox-app.js";
import { waitForSyncRun } from "../helpers/wait.js";

const REGION = "us-east-1";
const ctx = { principal: SYSTEM_PRINCIPAL };
const CATALOG = `entries:
  - id: nova
    model: ${NOVA}
    scope: organization
    regions: [us-east-1, us-west-2]
    owner: platform
    justification: general text generation
  - id: sonnet-workloads
    model: ${SONNET}
    viaProfiles: [us.anthropic.claude-sonnet-4-5-20250929-v1:0]
    scope: { ou: ${OU} }
    owner: ml-team
    justification: coding assistant
    expiresAt: "2099-01-01T00:00:00Z"
  - id: mgmt-llama
    model: meta.llama3-*
    scope: { account: "${MGMT}" }
    owner: platform
    justification: evaluation in the management account
`;

type Property = { name: string; value: string };
type Component = {
  type: string;
  name: string;
  "bom-ref": string;
  publisher?: string;
  supplier?: { name: string };
  properties?: Property[];
  components?: Component[];
  modelCard?: Record<string, unknown>;
};
type Bom = {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; tools: { components: Component[] }; component: Component };
  components: Component[];
  services: Array<{ name: string; "bom-ref": string; endpoints: string[] }>;
};

const props = (c: Component, name: string) =>
  (c.properties ?? []).filter((p) => p.name === `bedrock-governor:${name}`).map((p) => p.value);
const schemaErrors = (text: string) => new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(text);

let rig: SandboxApp;
let viewer: string;

async function aibom(query = "", key = viewer) {
  return rig.t.app.inject({ url: `/v1/aibom${query}`, headers: { authorization: key } });
}

beforeAll(async () => {
  rig = await startSandboxApp(healthyOrg(), { INVENTORY_REGIONS: REGION });
  const { t } = rig;
  viewer = await t.keyFor("viewer");
  await t.services.catalog.apply(ctx, parseCatalogDocument(CATALOG), "aibom test");
  const run = await t.services.sync.requestSync(ctx, { scope: "organization" });
  expect((await waitForSyncRun(t, run.id)).status).toBe("succeeded");
  await t.services.reconcile.run();
  // Three calls of Nova in the app account an hour ago.
  const at = new Date(Date.now() - 3_600_000);
  const rows = [0, 1, 2].map((i) =>
    normalizeRecord(
      buildTrailEvent({
        eventTime: new Date(at.getTime() + i * 1000),
        account: APP,
        region: REGION,
        modelId: NOVA,
        identity: { arn: ROLE, accessKeyId: `ASIAAIBOMTEST${i}` },
        requestId: `aibom-${i}`,
        eventId: `00000000-0000-4000-a000-00000000aa0${i}`,
      }).record,
    ),
  );
  await createInvocationEventsRepository(t.db).write(rows.filter((r) => r !== undefined));
}, 180_000);
afterAll(async () => {
  await rig?.close();
});

describe("GET /v1/aibom", () => {
  it("is a CycloneDX 1.6 JSON BOM that validates against the 1.6 schema", async () => {
    const res = await aibom();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/vnd\.cyclonedx\+json/);
    expect(await schemaErrors(res.body)).toBeNull();
    const bom = res.json() as Bom;
    expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(Date.now() - Date.parse(bom.metadata.timestamp)).toBeLessThan(60_000);
    expect(bom.metadata.tools.components).toEqual([
      expect.objectContaining({ type: "application", name: "bedrock-governor", version: expect.any(String) }),
    ]);
    expect(bom.metadata.component).toMatchObject({ type: "platform", name: "AWS Organization" });
    expect(props(bom.metadata.component, "organization:management-account-id")).toEqual([MGMT]);
  });

  it("lists every catalog entry as a machine-learning-model component with its terms", async () => {
    const bom = (await aibom()).json() as Bom;
    const catalog = bom.components.filter((c) => props(c, "source")[0] === "catalog");
    expect(catalog.map((c) => [c.name, props(c, "catalog:entry-id")[0]]).sort()).toEqual(
      [
        [NOVA, "nova"],
        [SONNET, "sonnet-workloads"],
        ["meta.llama3-*", "mgmt-llama"],
      ].sort(),
    );
    for (const c of catalog) expect(c.type).toBe("machine-learning-model");
    const sonnet = catalog.find((c) => c.name === SONNET) as Component;
    expect(props(sonnet, "catalog:scope")).toEqual([`ou:${OU}`]);
    expect(props(sonnet, "catalog:inference-profile")).toEqual(["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]);
    expect(props(sonnet, "catalog:owner")).toEqual(["ml-team"]);
    expect(props(sonnet, "catalog:expires-at")).toEqual(["2099-01-01T00:00:00.000Z"]);
    expect(sonnet.modelCard).toMatchObject({ considerations: { useCases: ["coding assistant"] } });
    const nova = catalog.find((c) => c.name === NOVA) as Component;
    expect(props(nova, "catalog:region").sort()).toEqual(["us-east-1", "us-west-2"]);
    expect(nova.publisher).toBe(nova.supplier?.name);
    expect(nova.publisher).toMatch(/amazon/i);
  });

  it("lists the models reachable or used per account×Region, with the Region's runtime endpoint", async () => {
    const bom = (await aibom()).json() as Bom;
    const nova = bom.components.find((c) => c["bom-ref"] === `model:${NOVA}`) as Component;
    expect(nova, "Nova is reachable and used in the app account").toBeDefined();
    expect(props(nova, "approved")).toEqual(["true"]);
    expect(props(nova, "catalog:entry-id")).toEqual(["nova"]);
    const here = (nova.components ?? []).find(
      (d) => props(d, "account-id")[0] === APP && props(d, "region")[0] === REGION,
    ) as Component;
    expect(here).toBeDefined();
    expect(props(here, "status")).toEqual(["usable"]);
    expect(props(here, "invocations")).toEqual(["3"]);
    expect(bom.services.map((s) => s["bom-ref"])).toEqual([`service:bedrock-runtime:${REGION}`]);
    expect(bom.services[0]?.endpoints).toEqual([`https://bedrock-runtime.${REGION}.amazonaws.com`]);
  });

  it("narrows to a scope: an account sees the entries that concern it", async () => {
    const res = await aibom(`?scope=${APP}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(await schemaErrors(res.body)).toBeNull();
    const bom = res.json() as Bom;
    const entries = bom.components.filter((c) => props(c, "source")[0] === "catalog").map((c) => c.name);
    expect(entries.sort()).toEqual([NOVA, SONNET].sort());
    for (const c of bom.components.filter((x) => props(x, "source")[0] === "inventory"))
      for (const d of c.components ?? []) expect(props(d, "account-id")).toEqual([APP]);
  });

  it("refuses a malformed or unknown scope naming the field, and callers without a key", async () => {
    const bad = await aibom("?scope=nonsense");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("scope");
    const unknown = await aibom("?scope=999999999999");
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({ code: "SCOPE_UNKNOWN" });
    expect((await rig.t.app.inject({ url: "/v1/aibom" })).statusCode).toBe(401);
  });
});

describe("the service's CycloneDX validator", () => {
  it("refuses a document that breaks the 1.6 schema", async () => {
    const v = createBomValidator();
    try {
      const broken = JSON.stringify({
        bomFormat: "CycloneDX",
        specVersion: "1.6",
        version: 1,
        components: [{ type: "large-language-thing", name: "x" }],
      });
      expect(await v.validate(broken)).not.toBeNull();
      expect(await v.validate('{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}')).toBeNull();
    } finally {
      await v.close();
    }
  });

  it("compiles the schema off the event loop (in a worker thread)", async () => {
    const v = createBomValidator();
    try {
      let worst = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 10);
      const t0 = performance.now();
      await v.validate('{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}');
      const compileMs = performance.now() - t0;
      clearInterval(timer);
      // The compile takes about a second or more; the loop keeps turning meanwhile.
      expect(worst, `first validation took ${Math.round(compileMs)} ms`).toBeLessThan(250);
    } finally {
      await v.close();
    }
  });
});
