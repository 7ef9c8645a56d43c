// The gates in the order the engine checks them (reachability.types.ts GATES).
import { entitlementGate, marketplaceGate, retentionGate, useCaseGate } from "./access-gates.js";
import { bedrockPolicyGate, credentialsGate, iamGate, lifecycleGate, orgPolicyGate, regionGate } from "./gates.js";

/** In the order of GATES. */
export const GATE_CHECKS = [
  credentialsGate,
  bedrockPolicyGate,
  regionGate,
  orgPolicyGate,
  iamGate,
  lifecycleGate,
  retentionGate,
  entitlementGate,
  useCaseGate,
  marketplaceGate,
] as const;
