variable "hub_account_id" {
  type        = string
  description = "The account the service runs in (management or delegated-admin account)."
}

variable "hub_principal_arn" {
  type        = string
  default     = ""
  description = "The hub principal allowed to assume the role (the hub role ARN); empty: the hub account root."
}

variable "role_name" {
  type        = string
  default     = "BedrockGovernorAccess"
  description = "Must equal the service's member role name setting."
}

variable "external_id" {
  type        = string
  sensitive   = true
  description = "Must equal the service's external id setting."
}

variable "permission_level" {
  type    = string
  default = "read"
  validation {
    condition     = contains(["read", "remediation"], var.permission_level)
    error_message = "permission_level is read or remediation."
  }
}

variable "management_account" {
  type        = bool
  default     = false
  description = "true in the management account: adds what only it needs (License Manager grants)."
}

variable "trail_bucket_name" {
  type        = string
  default     = ""
  description = "The organization trail's S3 bucket (read in the log-archive account); empty grants no S3 access."
}
