# bedrock-governor hub role (management or delegated-admin account). The IAM actions between the
# GENERATED markers come from src/aws/call-table.ts (`npm run deploy:generate`); do not edit them by hand.

data "aws_partition" "current" {}

locals {
  hub_read = [
    # BEGIN GENERATED actions hub read any
    "iam:GetRole",
    "iam:SimulatePrincipalPolicy",
    "organizations:DescribeOrganization",
    "organizations:DescribePolicy",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListParents",
    "organizations:ListPolicies",
    "organizations:ListPoliciesForTarget",
    "organizations:ListRoots",
    "organizations:ListTargetsForPolicy",
    "s3:PutObject",
    # END GENERATED
  ]
  hub_assume = [
    # BEGIN GENERATED actions hub read member-role
    "sts:AssumeRole",
    # END GENERATED
  ]
  hub_remediation = [
    # BEGIN GENERATED actions hub remediation any
    "organizations:AttachPolicy",
    "organizations:CreatePolicy",
    "organizations:DeletePolicy",
    "organizations:DetachPolicy",
    "organizations:UpdatePolicy",
    # END GENERATED
  ]
}

resource "aws_iam_role" "hub" {
  name        = var.role_name
  description = "bedrock-governor hub (Organizations, and the source of member role sessions)."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = var.service_principal_arn }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "read" {
  name = "bedrock-governor-hub-read"
  role = aws_iam_role.hub.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Organizations", Effect = "Allow", Action = local.hub_read, Resource = "*" },
      {
        Sid      = "AssumeMemberRole"
        Effect   = "Allow"
        Action   = local.hub_assume
        Resource = "arn:${data.aws_partition.current.partition}:iam::*:role/${var.member_role_name}"
      },
    ]
  })
}

resource "aws_iam_role_policy" "remediation" {
  count = var.permission_level == "remediation" ? 1 : 0
  name  = "bedrock-governor-hub-remediation"
  role  = aws_iam_role.hub.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "ServiceControlPolicies", Effect = "Allow", Action = local.hub_remediation, Resource = "*" }]
  })
}
