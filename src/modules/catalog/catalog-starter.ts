// The starter catalog `bedrock-governor catalog init` writes: one entry in force and, commented
// out, an example of every field the schema (catalog-schema.ts) accepts. Prose comments start in
// column 0; commented-out YAML starts with two spaces and `# `, so removing that `# ` turns the
// examples on (the catalog tests check that both forms validate).
import { CATALOG_SCHEMA_HINT } from "./catalog-document.js";

export const STARTER_CATALOG = `${CATALOG_SCHEMA_HINT}
# bedrock-governor approved-models catalog: which models may be used, where, by whom and why.
# Keep it in git; review a change with \`bedrock-governor catalog diff -f catalog.yaml\` and apply
# it with \`bedrock-governor catalog apply -f catalog.yaml --reason "…"\` (one audited change set;
# reconciliation follows by itself). Schema for editors: \`bedrock-governor catalog schema\`.
entries:
# An entry allows one model (exact id, or a pattern where * matches any run) in a scope.
  - id: amazon-nova                  # stable slug, unique in the catalog
    model: amazon.nova-*             # every Amazon Nova model
    scope: organization              # organization | { ou: ou-… or r-… } | { account: "123456789012" }
    regions: [us-east-1]             # where calls may be made; unset: every Region
    owner: platform-team             # who answers for it
    justification: Default text models for every team

# Every other field, commented out; remove the "# " before a line to use it.
  # - id: claude-eu
  #   model: anthropic.claude-sonnet-4-5-20250929-v1:0
  #   scope: { ou: ou-ab12-cdef3456 }
  #   viaProfiles: [eu.anthropic.claude-sonnet-4-5-20250929-v1:0]  # only through these inference profiles
  #   geography: EU                  # US | EU | APAC | CA | JP | AU | SA | GOV: calls and profile destinations stay there
  #   conditions:
  #     loggingRequired: true        # model invocation logging must be on
  #     guardrailRequired: true      # calls must name a guardrail
  #   endpoints: [runtime, mantle]   # runtime | mantle | claude_platform; unset: runtime only
  #   retentionModes: [default, none]  # default | none | provider_data_share | inherit | aws_review; unset: any
  #   apiKeys: false                 # true: long-term Bedrock API keys may call it
  #   acceptAgreement: true          # remediation may accept its Marketplace agreement
  #   owner: ml-platform
  #   justification: Support assistant; EU data stays in the EU
  #   expiresAt: "2027-06-30T00:00:00Z"  # after this the entry allows nothing
  # - id: cohere-search
  #   model: cohere.command-r-plus-v1:0   # an entitlement needs an exact model id
  #   scope: { account: "123456789012" }
  #   entitlement:                   # remediation grants and activates this license in each account
  #     licenseArn: arn:aws:license-manager::111122223333:license:l-0123456789abcdef
  #   owner: search-team
  #   justification: Search ranking pilot
`;
