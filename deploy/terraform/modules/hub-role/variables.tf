variable "role_name" {
  type    = string
  default = "BedrockGovernorHub"
}

variable "service_principal_arn" {
  type        = string
  description = "The identity the service runs as (its base credentials), allowed to assume the hub role."
}

variable "member_role_name" {
  type    = string
  default = "BedrockGovernorAccess"
}

variable "permission_level" {
  type    = string
  default = "read"
  validation {
    condition     = contains(["read", "remediation"], var.permission_level)
    error_message = "permission_level is read or remediation."
  }
}
