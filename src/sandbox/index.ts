// The AWS sandbox: one local port speaking the real AWS wire protocols for a simulated organization.
export type { CounterFilter, SandboxCounters } from "./counters.js";
export { demoScenario } from "./demo.js";
export { type GenerateScenarioOptions, generateScenario } from "./generator.js";
export { type StateFile, stateFile } from "./persistence.js";
export {
  type Decision,
  type EvaluationRequest,
  evaluatePolicies,
  evaluateScps,
  type PolicyDocument,
  parsePolicyDocument,
} from "./policy-evaluator.js";
export { loadScenarioFile, parseScenario, type Scenario, ScenarioError } from "./scenario.js";
export { type Sandbox, type StartSandboxOptions, startSandbox } from "./server.js";
export type { SandboxState } from "./state.js";
