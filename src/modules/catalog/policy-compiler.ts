// The policy compiler: catalog entries + inventory facts → Service Control Policies for a target
// and identity policies for developer roles. Pure functions, no I/O.
//
//   grants.ts        what entries allow (expiry, Regions, geography, viaProfiles, global inference)
//   geography.ts     Region → geography table
//   arns.ts          ARN builders and IAM wildcard matching
//   compaction.ts    merging Regions and model families without widening the allow-list
//   scp-compiler.ts  SCP allow-lists and how they split across policies (scheme in its header)
//   iam-compiler.ts  least-privilege identity policy for one account and Region
//   iam-surfaces.ts  its bedrock-mantle, Marketplace and API-key statements
//   iam-split.ts     splitting it into managed policies
export { foundationModelArn, inferenceProfileArn } from "./arns.js";
export { GEOGRAPHY_TABLE, geographiesOf, inGeography } from "./geography.js";
export { type GrantInput, type ModelFact, type ProfileFact, resolveGrants } from "./grants.js";
export {
  type CompiledIamPolicy,
  type CompileIamInput,
  compileIamPolicy,
  IAM_INVOKE_ACTIONS,
  type IamPolicyDocument,
  type IamStatement,
  MANAGED_POLICY_MAX_CHARACTERS,
} from "./iam-compiler.js";
export { splitIamPolicy } from "./iam-split.js";
export {
  MANTLE_INFERENCE_ACTIONS,
  MANTLE_PROJECT_READ_ACTIONS,
  MARKETPLACE_SCOPED_ACTIONS,
  MARKETPLACE_VIEW_ACTION,
} from "./iam-surfaces.js";
export {
  type CompiledScp,
  type CompileScpsInput,
  compileScps,
  MAX_SCPS_PER_TARGET,
  PolicyTooLargeError,
  SCP_INVOKE_ACTIONS,
  SCP_MAX_CHARACTERS,
  type ScpTarget,
  UNGOVERNED_RESOURCES,
} from "./scp-compiler.js";
