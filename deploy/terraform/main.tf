# Example root: the hub role in the hub account, the member role in one account (repeat with a
# provider per account, or use the CloudFormation StackSet in deploy/cloudformation for all of them).

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "hub_account_id" {
  type = string
}

variable "service_principal_arn" {
  type = string
}

variable "external_id" {
  type      = string
  sensitive = true
}

variable "permission_level" {
  type    = string
  default = "read"
}

module "hub" {
  source                = "./modules/hub-role"
  service_principal_arn = var.service_principal_arn
  permission_level      = var.permission_level
}

module "management_member" {
  source             = "./modules/member-role"
  hub_account_id     = var.hub_account_id
  hub_principal_arn  = module.hub.role_arn
  external_id        = var.external_id
  permission_level   = var.permission_level
  management_account = true
}
