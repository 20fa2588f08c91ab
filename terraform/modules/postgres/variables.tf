variable "name" {
  description = "Cluster identifier."
  type        = string
}

variable "engine_version" {
  description = "Aurora PostgreSQL version (one Temporal supports)."
  type        = string
}

variable "parameter_group_family" {
  description = "Cluster parameter group family (e.g. aurora-postgresql16)."
  type        = string
}

variable "instance_class" {
  description = "Instance class."
  type        = string
}

variable "instances" {
  description = "Instances (1 writer + readers)."
  type        = number
}

variable "backup_retention_days" {
  description = "Days of automated backups."
  type        = number
}

variable "deletion_protection" {
  description = "Refuse deletion and keep a final snapshot (prod)."
  type        = bool
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
  description = "The only security group allowed to reach the database (the EKS nodes)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key (storage, Performance Insights, the master secret, logs)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the PostgreSQL log."
  type        = number
}
