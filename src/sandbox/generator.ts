import type { Scenario } from "./scenario.js";

export interface GenerateScenarioOptions {
  accounts: number;
  regions: number;
  models: number;
  seed?: number;
  ous?: number;
}

export function generateScenario(_opts: GenerateScenarioOptions): Scenario {
  throw new Error("not yet");
}
