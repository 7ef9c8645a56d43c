// The control mapping file is checked when it is read: its schema, and that each section names
// only frameworks and controls the file defines. A bad mapping fails with a message saying where.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ControlMappingError,
  controlMappingFrom,
  controlMappingPath,
  loadControlMapping,
} from "../../src/modules/reports/control-mapping.js";

const valid = () => parse(readFileSync(controlMappingPath(), "utf8")) as Record<string, unknown>;

describe("control mapping", () => {
  it("the repository's mapping is valid, versioned, and titles every control it names", () => {
    const m = loadControlMapping();
    expect(m.version).toBeGreaterThanOrEqual(1);
    const coverage = m.controlsFor("coverage");
    expect(coverage).toContainEqual(
      expect.objectContaining({ framework: "ISO/IEC 42001:2023 Annex A", id: "A.6.2.8" }),
    );
    expect(coverage.map((c) => c.id)).toEqual(expect.arrayContaining(["Art. 12(1)", "Art. 26(6)", "CC7.2"]));
    for (const id of m.sectionIds()) for (const c of m.controlsFor(id)) expect(c.title.length).toBeGreaterThan(3);
    expect(m.controlsFor("no-such-section")).toEqual([]);
  });

  it("refuses a document off the schema, naming the place", () => {
    const noVersion = { ...valid() };
    delete noVersion.version;
    expect(() => controlMappingFrom(noVersion)).toThrow(ControlMappingError);
    expect(() => controlMappingFrom({ ...valid(), version: "one" })).toThrow(/\/version/);
    expect(() => controlMappingFrom({ ...valid(), extra: 1 })).toThrow(ControlMappingError);
    expect(() => controlMappingFrom({ ...valid(), sections: { summary: { soc2: [] } } })).toThrow(ControlMappingError);
  });

  it("refuses a section naming a control or framework the file does not define", () => {
    expect(() => controlMappingFrom({ ...valid(), sections: { summary: { soc2: ["CC9.9"] } } })).toThrow(
      "section summary names soc2 control CC9.9, which is not defined",
    );
    expect(() => controlMappingFrom({ ...valid(), sections: { summary: { hipaa: ["164.312(b)"] } } })).toThrow(
      "section summary names framework hipaa, which is not defined",
    );
  });
});
