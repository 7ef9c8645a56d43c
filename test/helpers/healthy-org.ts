// The healthy organization the gate tests break one gate at a time: a management account, one
// workload account under one OU with an application role, Amazon Nova Pro on demand and through a
// US profile, Claude Sonnet 4.5 through a US profile only.
export const MGMT = "100000000001";
export const APP = "200000000002";
export const OU = "ou-dt01-workload";
export const NOVA = "amazon.nova-pro-v1:0";
export const SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0";
export const ROLE = `arn:aws:iam::${APP}:role/ChatApp`;

export type Json = Record<string, unknown>;
export const allow = (sid: string, action: string | string[], resource: string | string[]) => ({
  Sid: sid,
  Effect: "Allow",
  Action: action,
  Resource: resource,
});

/** The healthy organization; `change` edits a deep copy to break one gate. */
export function healthyOrg(
  change: (s: Json & { accounts: Json[]; models: Json[]; policies: Json[] }) => void = () => {},
) {
  const s = {
    name: "doctor",
    organization: { id: "o-doctortest01", managementAccountId: MGMT },
    defaultRegions: ["us-east-1", "us-west-2", "eu-west-1"],
    memberRoleName: "GovernorRole",
    ous: [{ id: OU, name: "Workloads" }],
    accounts: [
      { id: MGMT, name: "management", anthropicUseCase: true },
      {
        id: APP,
        name: "app",
        parent: OU,
        principals: [
          {
            arn: ROLE,
            policies: [
              {
                name: "InvokeApprovedModels",
                document: {
                  Version: "2012-10-17",
                  Statement: [
                    allow(
                      "Invoke",
                      ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                      ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:*:inference-profile/*"],
                    ),
                    allow("Subscribe", ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"], "*"),
                  ],
                },
              },
            ],
          },
        ],
      },
    ] as Json[],
    models: [
      {
        id: NOVA,
        provider: "Amazon",
        inferenceTypes: ["ON_DEMAND", "INFERENCE_PROFILE"],
        regions: ["us-east-1", "us-west-2"],
      },
      { id: SONNET, provider: "Anthropic", inferenceTypes: ["INFERENCE_PROFILE"], regions: ["us-east-1", "us-west-2"] },
    ] as Json[],
    inferenceProfiles: [
      {
        id: `us.${NOVA}`,
        model: NOVA,
        sourceRegions: ["us-east-1", "us-west-2"],
        destinationRegions: ["us-east-1", "us-west-2"],
      },
      {
        id: `us.${SONNET}`,
        model: SONNET,
        sourceRegions: ["us-east-1", "us-west-2"],
        destinationRegions: ["us-east-1", "us-west-2"],
      },
    ],
    policies: [] as Json[],
    faults: { defaultQuotas: false },
  };
  const copy = structuredClone(s);
  change(copy);
  return copy;
}

/** Breaks IAM alone: the application role may invoke Anthropic models only (not Nova). */
export function onlyClaudeForTheApp(s: Json & { accounts: Json[] }): void {
  const principal = ((s.accounts[1] as Json).principals as Json[])[0] as Json;
  principal.policies = [
    {
      name: "OnlyClaude",
      document: {
        Version: "2012-10-17",
        Statement: [allow("Claude", "bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/anthropic.*")],
      },
    },
  ];
}
