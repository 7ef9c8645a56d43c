// The organization the 2026 access tests start from: one app account whose role may do everything
// the gates look at, models for every surface, and a hook to break exactly one gate.
import { parseScenario, type Scenario } from "../../src/sandbox/index.js";

export const MGMT = "100000000001";
export const APP = "200000000002";
export const OTHER = "300000000003";
export const OU = "ou-ac01-workload";
export const ROLE = `arn:aws:iam::${APP}:role/AppRole`;
export const HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
export const HAIKU_MANTLE = "anthropic.claude-3-haiku";
export const GPT = "openai.gpt-oss-120b-1:0";
export const GPT_MANTLE = "openai.gpt-oss-120b";
export const NOVA = "amazon.nova-pro-v1:0";
export const COHERE = "cohere.command-r-plus-v1:0";
export const FABLE = "anthropic.claude-fable-5";
export const PROV = "anthropic.claude-3-haiku-20240307-v1:0:48k";
export const LEGACY = "anthropic.claude-3-5-sonnet-20240620-v1:0";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the answers under test
export type Json = Record<string, any>;

export const allowAll = (name = "AppAccess") => ({
  name,
  document: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["bedrock:*", "bedrock-mantle:*", "aws-marketplace:*", "aws-external-anthropic:*"],
        Resource: "*",
      },
      { Effect: "Allow", Action: ["sts:*", "iam:*"], Resource: "*" },
    ],
  },
});

/** The healthy organization; `change` edits a deep copy (then it is validated). */
export function accessScenario(change: (s: Json) => void = () => {}): Scenario {
  const s: Json = {
    name: "access-2026",
    organization: { id: "o-access2026x", managementAccountId: MGMT },
    defaultRegions: ["us-east-1", "us-west-2"],
    ous: [{ id: OU, name: "Workloads" }],
    accounts: [
      { id: MGMT, name: "management", anthropicUseCase: true },
      {
        id: APP,
        name: "app",
        parent: OU,
        principals: [{ arn: ROLE, policies: [allowAll()] }],
        claudePlatformWorkspaces: [{ id: "wrkspc_app01", region: "us-east-1" }],
      },
      { id: OTHER, name: "other", parent: OU },
    ],
    models: [
      { id: NOVA, provider: "Amazon", inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"] },
      { id: GPT, provider: "OpenAI", mantleId: GPT_MANTLE },
      {
        id: HAIKU,
        provider: "Anthropic",
        inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
        mantleId: HAIKU_MANTLE,
        productId: "prod-ozonys2hmmpeu",
      },
      { id: COHERE, provider: "Cohere", agreementDelaySeconds: 60 },
      {
        id: FABLE,
        provider: "Anthropic",
        inferenceTypes: ["INFERENCE_PROFILE"],
        dataRetention: { allowedModes: ["provider_data_share"], defaultMode: "default" },
        mantleId: FABLE,
      },
      { id: PROV, provider: "Anthropic", inferenceTypes: ["PROVISIONED"] },
      {
        id: LEGACY,
        provider: "Anthropic",
        lifecycle: { status: "LEGACY", legacyTime: "2025-08-25T00:00:00Z", endOfLifeTime: "2027-03-01T00:00:00Z" },
      },
    ],
    inferenceProfiles: [
      { id: `us.${HAIKU}`, model: HAIKU, sourceRegions: ["us-east-1", "us-west-2"] },
      { id: `global.${HAIKU}`, model: HAIKU, sourceRegions: ["us-east-1", "us-west-2"] },
      { id: `global.${FABLE}`, model: FABLE, sourceRegions: ["us-east-1", "us-west-2"] },
    ],
    // Nobody subscribed to anything yet: first calls subscribe (when the prerequisites hold).
    marketplaceAgreementDefault: "NOT_AVAILABLE",
    faults: { defaultQuotas: false },
  };
  change(s);
  return parseScenario(JSON.parse(JSON.stringify(s)));
}

export const app = (s: Json): Json => s.accounts.find((a: Json) => a.id === APP);
export const messages = [{ role: "user" as const, content: [{ text: "Hello" }] }];
