variable "name" {
  description = "Name prefix of every resource."
  type        = string
}

variable "availability_zones" {
  description = "Exactly three availability zones (named, so the set never changes under the state)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3
    error_message = "Give three availability zones."
  }
}

variable "cidr" {
  description = "The VPC's CIDR block (a /16)."
  type        = string
}

variable "cluster_name" {
  description = "The EKS cluster the subnets are tagged for (load balancer discovery)."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all three AZs (dev: cheaper) instead of one per AZ (prod: survives an AZ)."
  type        = bool
}

variable "log_retention_days" {
  description = "Retention of the VPC flow logs."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}
