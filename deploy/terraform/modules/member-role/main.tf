# bedrock-governor member role. The IAM actions between the GENERATED markers come from
# src/aws/call-table.ts (`npm run deploy:generate`); do not edit them by hand.

data "aws_partition" "current" {}

locals {
  member_read = [
    # BEGIN GENERATED actions member read any
    "bedrock-mantle:CreateInference",
    "bedrock-mantle:ListModels",
    "bedrock-mantle:ListProjects",
    "bedrock:GetAccountDataRetention",
    "bedrock:GetFoundationModelAvailability",
    "bedrock:GetModelInvocationLoggingConfiguration",
    "bedrock:GetUseCaseForModelAccess",
    "bedrock:InvokeModel",
    "bedrock:ListEnforcedGuardrailsConfiguration",
    "bedrock:ListFoundationModelAgreementOffers",
    "bedrock:ListFoundationModels",
    "bedrock:ListInferenceProfiles",
    "cloudtrail:LookupEvents",
    "iam:GetRole",
    "iam:ListServiceSpecificCredentials",
    "iam:SimulatePrincipalPolicy",
    "license-manager:ListReceivedGrants",
    "license-manager:ListReceivedLicenses",
    # END GENERATED
  ]
  member_remediation = [
    # BEGIN GENERATED actions member remediation any
    "aws-marketplace:Subscribe",
    "aws-marketplace:Unsubscribe",
    "aws-marketplace:ViewSubscriptions",
    "bedrock:CreateFoundationModelAgreement",
    "bedrock:DeleteFoundationModelAgreement",
    "bedrock:PutAccountDataRetention",
    "bedrock:PutUseCaseForModelAccess",
    # END GENERATED
  ]
  management_read = [
    # BEGIN GENERATED actions management read any
    "bedrock-mantle:CreateInference",
    "bedrock-mantle:ListModels",
    "bedrock-mantle:ListProjects",
    "bedrock:GetAccountDataRetention",
    "bedrock:GetFoundationModelAvailability",
    "bedrock:GetModelInvocationLoggingConfiguration",
    "bedrock:GetUseCaseForModelAccess",
    "bedrock:InvokeModel",
    "bedrock:ListEnforcedGuardrailsConfiguration",
    "bedrock:ListFoundationModelAgreementOffers",
    "bedrock:ListFoundationModels",
    "bedrock:ListInferenceProfiles",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:LookupEvents",
    "iam:GetRole",
    "iam:ListServiceSpecificCredentials",
    "iam:SimulatePrincipalPolicy",
    "license-manager:ListDistributedGrants",
    "license-manager:ListReceivedGrants",
    "license-manager:ListReceivedLicenses",
    # END GENERATED
  ]
  management_remediation = [
    # BEGIN GENERATED actions management remediation any
    "aws-marketplace:Subscribe",
    "aws-marketplace:Unsubscribe",
    "aws-marketplace:ViewSubscriptions",
    "bedrock:CreateFoundationModelAgreement",
    "bedrock:DeleteFoundationModelAgreement",
    "bedrock:PutAccountDataRetention",
    "bedrock:PutUseCaseForModelAccess",
    "license-manager:CreateGrant",
    "license-manager:CreateGrantVersion",
    "license-manager:DeleteGrant",
    "license-manager:GetGrant",
    # END GENERATED
  ]
  member_trail_bucket = [
    # BEGIN GENERATED actions member read trail-bucket
    "s3:GetObject",
    "s3:ListBucket",
    # END GENERATED
  ]
  management_trail_bucket = [
    # BEGIN GENERATED actions management read trail-bucket
    "s3:GetObject",
    "s3:ListBucket",
    # END GENERATED
  ]

  read_actions        = var.management_account ? local.management_read : local.member_read
  remediation_actions = var.management_account ? local.management_remediation : local.member_remediation
  trail_bucket_read   = var.management_account ? local.management_trail_bucket : local.member_trail_bucket
  hub_principal       = var.hub_principal_arn != "" ? var.hub_principal_arn : "arn:${data.aws_partition.current.partition}:iam::${var.hub_account_id}:root"
  bucket_arn          = "arn:${data.aws_partition.current.partition}:s3:::${var.trail_bucket_name}"
}

resource "aws_iam_role" "member" {
  name                 = var.role_name
  description          = "Assumed by bedrock-governor to govern Amazon Bedrock in this account."
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = local.hub_principal }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = var.external_id } }
    }]
  })
}

resource "aws_iam_role_policy" "read" {
  name = "bedrock-governor-read"
  role = aws_iam_role.member.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{ Sid = "Read", Effect = "Allow", Action = local.read_actions, Resource = "*" }],
      var.trail_bucket_name == "" ? [] : [{
        Sid      = "TrailBucket"
        Effect   = "Allow"
        Action   = local.trail_bucket_read
        Resource = [local.bucket_arn, "${local.bucket_arn}/*"]
      }],
    )
  })
}

resource "aws_iam_role_policy" "remediation" {
  count = var.permission_level == "remediation" ? 1 : 0
  name  = "bedrock-governor-remediation"
  role  = aws_iam_role.member.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Remediation", Effect = "Allow", Action = local.remediation_actions, Resource = "*" }]
  })
}
