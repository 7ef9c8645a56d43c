import type { Scenario } from "./scenario.js";

export function demoScenario(): Scenario {
  throw new Error("not yet");
}
