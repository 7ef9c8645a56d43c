// Hostile input that used to cost a 500 or a blocked event loop (issue 17, items 1 and 10): every
// one is a 4xx problem+json naming the field, and nothing is written.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputProblem, MAX_INPUT_DEPTH } from "../../src/plugins/input-guard.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { CRAFTED_CURSORS } from "../helpers/schema-arbitrary.js";

let t: TestApp;
let admin: string;
let viewer: string;
let sql: pg.Client;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_MAX: "0" });
  admin = await t.keyFor("admin", "hostile-admin");
  viewer = await t.keyFor("viewer", "hostile-viewer");
  sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await sql.query<{ table_name: string; n: number }>(`
    SELECT table_name,
           (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', table_name), false, true, '')))[1]::text::int AS n
    FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  return Object.fromEntries(rows.map((r) => [r.table_name, r.n]));
}

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

/** Sends a request that must be refused: a 4xx problem+json naming `field`, with no row changed. */
async function refused(
  req: { method: "GET" | "POST"; url: string; payload?: unknown; key?: string },
  field: string | RegExp,
  status = 400,
): Promise<Problem> {
  const before = await rowCounts();
  const res = await t.app.inject({
    method: req.method,
    url: req.url,
    headers: {
      authorization: req.key ?? admin,
      ...(req.payload !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(req.payload !== undefined
      ? { payload: typeof req.payload === "string" ? req.payload : JSON.stringify(req.payload) }
      : {}),
  });
  expect(res.statusCode, `${req.method} ${req.url.slice(0, 100)}: ${res.body.slice(0, 300)}`).toBe(status);
  expect(res.headers["content-type"]).toContain("application/problem+json");
  const problem = res.json<Problem>();
  const fields = (problem.errors ?? []).map((e) => e.field);
  if (typeof field === "string") expect(fields).toContain(field);
  else
    expect(
      fields.some((f) => field.test(f)),
      `fields ${fields.join(", ")}`,
    ).toBe(true);
  expect(await rowCounts()).toEqual(before);
  return problem;
}

describe("catalog documents: bounded work, linear duplicate-key check (item 1)", () => {
  it("a mapping with 40,000 keys is refused as too large, naming the document", async () => {
    let yaml = "entries: []\n";
    for (let i = 0; i < 40_000; i++) yaml += `k${i}: 1\n`;
    for (const url of ["/v1/catalog/diff", "/v1/catalog/apply"]) {
      const problem = await refused(
        {
          method: "POST",
          url,
          payload: { document: yaml, ...(url.endsWith("apply") ? { reason: "hostile" } : {}) },
          key: url.endsWith("diff") ? viewer : admin,
        },
        "body.document",
        422,
      );
      expect(problem.code).toBe("DOCUMENT_TOO_LARGE");
    }
  });

  it("a document nested deeper than allowed is refused, naming the document", async () => {
    const deep = `entries:\n  - ${"[".repeat(500)}${"]".repeat(500)}\n`;
    const problem = await refused(
      { method: "POST", url: "/v1/catalog/diff", payload: { document: deep }, key: viewer },
      "body.document",
      422,
    );
    expect(problem.code).toBe("DOCUMENT_TOO_LARGE");
  });

  it("a duplicate key is reported with its path", async () => {
    const doc = [
      "entries:",
      "  - id: a",
      "    model: anthropic.claude-x",
      "    scope: organization",
      "    owner: team",
      "    owner: other",
      "    justification: because",
    ].join("\n");
    const problem = await refused(
      { method: "POST", url: "/v1/catalog/diff", payload: { document: doc }, key: viewer },
      "entries[0].owner",
      422,
    );
    expect(problem.detail).toContain("duplicate key owner");
  });

  it("a valid JSON catalog still parses", async () => {
    const doc = JSON.stringify({
      entries: [{ id: "a", model: "anthropic.claude-x", scope: "organization", owner: "t", justification: "j" }],
    });
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/catalog/diff",
      headers: { authorization: viewer, "content-type": "application/json" },
      payload: { document: doc },
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});

const NUL = "a\u0000b";
const SURROGATE = "x\uD800y";

describe("NUL bytes, lone surrogates and deep nesting (item 10)", () => {
  it("in a body text field", async () => {
    for (const bad of [NUL, SURROGATE]) {
      await refused(
        {
          method: "POST",
          url: "/v1/access-requests",
          payload: {
            accountIds: ["111111111111"],
            regions: ["us-east-1"],
            model: "anthropic.claude-x",
            purpose: `for testing ${bad}`,
            dataClassification: "internal",
            durationHours: 1,
          },
        },
        "body.purpose",
      );
      await refused(
        {
          method: "POST",
          url: "/v1/remediation-plans",
          payload: { scope: { kind: "organization" }, useCaseForm: { companyName: bad } },
        },
        "body.useCaseForm.companyName",
      );
    }
  });

  it("in a query filter", async () => {
    for (const bad of ["a%00b", encodeURIComponent("x").concat("%ED%A0%80")]) {
      const res = await t.app.inject({
        method: "GET",
        url: `/v1/audit-events?actorId=${bad}`,
        headers: { authorization: admin },
      });
      expect(res.statusCode, res.body).toBeLessThan(500);
    }
    await refused({ method: "GET", url: "/v1/audit-events?actorId=a%00b" }, "query.actorId");
  });

  it("a 5,000-level nested useCaseForm", async () => {
    let open = "";
    let close = "";
    for (let i = 0; i < 5_000; i++) {
      open += '{"a":';
      close += "}";
    }
    await refused(
      {
        method: "POST",
        url: "/v1/remediation-plans",
        payload: `{"scope":{"kind":"organization"},"useCaseForm":${open}1${close}}`,
      },
      /^body\.useCaseForm(\.a)+$/,
    );
  });
});

describe("the nesting limit is 32 levels", () => {
  /** A JSON body whose nesting is `levels` objects deep, the body itself being the first. */
  const nested = (levels: number) => {
    let inner = "1";
    for (let i = 0; i < levels - 1; i++) inner = `{"a":${inner}}`;
    return `{"scope":{"kind":"organization"},"useCaseForm":${inner}}`;
  };
  const post = (payload: string) =>
    t.app.inject({
      method: "POST",
      url: "/v1/remediation-plans",
      headers: { authorization: admin, "content-type": "application/json" },
      payload,
    });

  it("32 levels pass the nesting check, 33 are refused by it", async () => {
    // Counted as the guard counts: the body is level 1, each object or array inside one more.
    expect(inputProblem(JSON.parse(nested(32)), "body")).toBeUndefined();
    expect(inputProblem(JSON.parse(nested(33)), "body")?.message).toBe("nests deeper than 32 levels");
    expect(MAX_INPUT_DEPTH).toBe(32);
    // Over HTTP: 32 levels get past the check (the schema may still refuse the form, for other
    // reasons), 33 are refused by it, naming the innermost field.
    const ok = await post(nested(32));
    expect(ok.statusCode, ok.body).toBeLessThan(500);
    expect(ok.body).not.toContain("nests deeper");
    const problem = await refused(
      { method: "POST", url: "/v1/remediation-plans", payload: nested(33) },
      /^body\.useCaseForm(\.a){31}$/,
    );
    expect(problem.detail).toContain("nests deeper than 32 levels");
  });
});

describe("malformed URLs", () => {
  it("malformed percent-encoding and an overlong path parameter answer problem+json", async () => {
    const bad = await t.app.inject({ url: "/v1/access-requests/%E0%A4%A", headers: { authorization: admin } });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.headers["content-type"]).toContain("application/problem+json");
    expect(bad.json()).toMatchObject({ code: "BAD_URL" });
    const long = await t.app.inject({
      url: `/v1/access-requests/${"x".repeat(5_000)}`,
      headers: { authorization: admin },
    });
    expect(long.statusCode, long.body.slice(0, 200)).toBe(414);
    expect(long.headers["content-type"]).toContain("application/problem+json");
    expect(long.json()).toMatchObject({ code: "URI_TOO_LONG" });
  });
});

describe("crafted keyset cursors (item 10)", () => {
  it("every list route answers a crafted cursor with a 400 naming query.cursor", async () => {
    const routes = t.app
      .routeTable()
      .filter(
        (r) =>
          r.method === "GET" &&
          (r.schema as { querystring?: { properties?: object } }).querystring?.properties &&
          "cursor" in (r.schema as { querystring: { properties: object } }).querystring.properties,
      );
    expect(routes.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const route of routes) {
      const path = route.url.replace(/:(\w+)/g, "00000000-0000-0000-0000-000000000000");
      for (const c of CRAFTED_CURSORS) {
        const res = await t.app.inject({
          method: "GET",
          url: `${path}?cursor=${c}`,
          headers: { authorization: admin },
        });
        if (res.statusCode >= 500)
          failures.push(`${path} ${Buffer.from(c, "base64url").toString().slice(0, 80)} → ${res.statusCode}`);
        // Routes that need more than a cursor (a path id of their own shape, a required filter)
        // refuse it for that first; only the cursor routes that got that far must name it.
        else if (res.statusCode === 400 && !/query\.cursor|params\.|is required/.test(res.body))
          failures.push(`${path} → 400 without naming query.cursor: ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
