variable "name" {
  description = "Replication group id."
  type        = string
}

variable "engine_version" {
  description = "Redis engine version."
  type        = string
}

variable "node_type" {
  description = "Cache node type."
  type        = string
}

variable "nodes" {
  description = "Primary plus replicas (at least 2 for multi-AZ failover)."
  type        = number

  validation {
    condition     = var.nodes >= 2
    error_message = "Multi-AZ with automatic failover needs at least 2 nodes."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots kept."
  type        = number
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Data subnets."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "The only security group allowed to reach Redis (the EKS nodes)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key (data at rest, the users' passwords secret, the log group)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the slow log."
  type        = number
}

variable "secret_recovery_days" {
  description = "Recovery window of the users' passwords secret after deletion."
  type        = number
}
