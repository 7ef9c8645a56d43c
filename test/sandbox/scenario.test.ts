import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, parseScenario, ScenarioError, startSandbox } from "../../src/sandbox/index.js";

const minimal = () => ({
  organization: { id: "o-abcdef1234", managementAccountId: "111111111111" },
  accounts: [
    { id: "111111111111", name: "mgmt" },
    { id: "222222222222", name: "a" },
    { id: "333333333333", name: "b" },
    { id: "444444444444", name: "c" },
  ],
});

const messageOf = (input: unknown) => {
  try {
    parseScenario(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error("expected a ScenarioError");
};

describe("parseScenario", () => {
  it("accepts a minimal scenario", () => {
    expect(parseScenario(minimal()).accounts).toHaveLength(4);
  });
  it("names the path of an invalid enum value", () => {
    const s = minimal();
    (s.accounts[3] as Record<string, unknown>).state = "GONE";
    expect(messageOf(s)).toMatch(
      /^scenario\.accounts\[3\]\.state: expected one of ACTIVE, SUSPENDED, PENDING_ACTIVATION, PENDING_CLOSURE, CLOSED/,
    );
  });
  it("names missing, unknown and malformed fields", () => {
    expect(messageOf({ accounts: [{ id: "111111111111", name: "m" }] })).toBe(
      "scenario: missing required property organization",
    );
    const s = minimal();
    (s.accounts[1] as Record<string, unknown>).colour = "red";
    expect(messageOf(s)).toMatch(/^scenario\.accounts\[1\]: unknown property colour/);
    const t = minimal();
    t.accounts[2] = { id: "12", name: "x" };
    expect(messageOf(t)).toMatch(/^scenario\.accounts\[2\]\.id: must match/);
  });
  it("checks references between sections", () => {
    expect(messageOf({ ...minimal(), accounts: [{ id: "111111111111", name: "m", parent: "ou-zz99-nothere1" }] })).toBe(
      "scenario.accounts[0].parent: unknown parent ou-zz99-nothere1",
    );
    expect(
      messageOf({ ...minimal(), organization: { id: "o-abcdef1234", managementAccountId: "999999999999" } }),
    ).toMatch(/^scenario\.organization\.managementAccountId: account 999999999999 is not in accounts/);
    expect(
      messageOf({ ...minimal(), policies: [{ id: "p-12345678", name: "x", content: "{oops", targets: ["root"] }] }),
    ).toBe("scenario.policies[0].content: is not valid JSON");
    expect(
      messageOf({
        ...minimal(),
        ous: [
          { id: "ou-ab12-aaaaaaaa", name: "A", parent: "ou-ab12-bbbbbbbb" },
          { id: "ou-ab12-bbbbbbbb", name: "B", parent: "ou-ab12-aaaaaaaa" },
        ],
      }),
    ).toMatch(/OU parents form a cycle/);
    expect(messageOf({ ...minimal(), faults: { latency: [{ distribution: "uniform", min: 1 }] } })).toBe(
      "scenario.faults.latency[0].max: required for distribution uniform",
    );
  });
  it("loads YAML and JSON files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sandbox-scenario-"));
    const yamlPath = join(dir, "org.yaml");
    await writeFile(
      yamlPath,
      "organization:\n  id: o-abcdef1234\n  managementAccountId: '111111111111'\naccounts:\n  - id: '111111111111'\n    name: mgmt\n",
    );
    expect((await loadScenarioFile(yamlPath)).accounts[0]?.name).toBe("mgmt");
    const jsonPath = join(dir, "org.json");
    await writeFile(
      jsonPath,
      JSON.stringify({ ...minimal(), accounts: [{ id: "111111111111", name: "m", state: "NOPE" }] }),
    );
    await expect(loadScenarioFile(jsonPath)).rejects.toThrow(/accounts\[0\]\.state: expected one of/);
  });
});

describe("docs/sandbox.md", () => {
  it("documents a scenario that validates", async () => {
    const { readFile } = await import("node:fs/promises");
    const { parse } = await import("yaml");
    const md = await readFile(new URL("../../docs/sandbox.md", import.meta.url), "utf8");
    const block = md.split("```yaml\n")[1]?.split("```")[0] ?? "";
    const scenario = parseScenario(parse(block), "docs example");
    expect(scenario.accounts.map((a) => a.id)).toEqual(["111111111111", "222222222222"]);
  });

  it("documents the 2026 model-access fields with an example that validates on top of the first", async () => {
    const { readFile } = await import("node:fs/promises");
    const { parse } = await import("yaml");
    const md = await readFile(new URL("../../docs/sandbox.md", import.meta.url), "utf8");
    type Row = { id: string } & Record<string, unknown>;
    type Doc = Record<string, unknown> & { accounts: Row[]; models: Row[]; policies: Row[] };
    const [base, extra] = md
      .split("```yaml\n")
      .slice(1, 3)
      .map((b) => parse(b.split("```")[0] ?? "") as Doc);
    if (base === undefined || extra === undefined) throw new Error("docs/sandbox.md lost a YAML example");
    const { accounts, models, policies, ...top } = extra;
    const ids = new Set(models.map((m) => m.id));
    const merged: Doc = {
      ...base,
      ...top,
      accounts: base.accounts.map((a) => ({ ...a, ...accounts.find((x) => x.id === a.id) })),
      models: [...base.models.filter((m) => !ids.has(m.id)), ...models],
      policies: [...base.policies, ...policies],
    };
    const scenario = parseScenario(merged, "docs example");
    expect(scenario.managedEntitlements?.grants?.[0]?.principal).toBe("ou-ex12-prod0001");
    expect(scenario.accounts[1]?.mantleProjects?.[0]?.dataRetention).toBe("none");
    const sandbox = await startSandbox({ scenario, port: 0 });
    await sandbox.close();
  });
});
