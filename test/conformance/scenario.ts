// The conformance suite's sandbox organization (scenario.yaml).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { parseScenario, type Scenario } from "../../src/sandbox/index.js";

export const CONFORMANCE_MANAGEMENT = "100000000001";
export const CONFORMANCE_MEMBER = "200000000002";

const text = readFileSync(path.join(import.meta.dirname, "scenario.yaml"), "utf8");

export function conformanceScenario(): Scenario {
  return parseScenario(parse(text));
}
