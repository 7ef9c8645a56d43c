// Every operation in the call table has its conformance fixture (conformance.ts says what each checks).
import { describe, expect, it } from "vitest";
import { CALL_TABLE } from "../../src/aws/call-table.js";
import { fixtures } from "./conformance.js";
import { PROTOCOL } from "./fixture.js";

describe("conformance fixtures", () => {
  it("exist for every operation in the call table, and only for those", () => {
    const table = CALL_TABLE.map((r) => `${r.client}/${r.operation}`).sort();
    const have = fixtures.map((f) => `${f.client}/${f.operation}`).sort();
    expect(
      have.filter((h) => !table.includes(h)),
      "fixtures of operations the service does not call",
    ).toEqual([]);
    expect(
      table.filter((t) => !have.includes(t)),
      "operations without a fixture",
    ).toEqual([]);
    for (const f of fixtures)
      expect(f.file, "one file per operation, named after it").toBe(`${f.client}/${f.operation}.yaml`);
  });
});

it("every client of the call table has a conformance test file", () => {
  expect(Object.keys(PROTOCOL).sort()).toEqual([...new Set(CALL_TABLE.map((r) => r.client))].sort());
});
