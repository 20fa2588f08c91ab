variable "name" {
  description = "Cluster identifier."
  type        = string
}

variable "engine_version" {
  description = "DocumentDB engine version."
  type        = string
}

variable "parameter_group_family" {
  description = "Cluster parameter group family matching the engine version (e.g. docdb5.0)."
  type        = string
}

variable "instance_class" {
  description = "Instance class."
  type        = string
}

variable "instances" {
  description = "Instances (1 writer + readers); 2 or more spread the cluster over AZs."
  type        = number
}

variable "master_username" {
  description = "Master user name."
  type        = string
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
  description = "The only security group allowed to reach the cluster (the EKS nodes)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key (storage, the credentials secret, log groups)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the audit and profiler logs."
  type        = number
}

variable "secret_recovery_days" {
  description = "Recovery window of the credentials secret after deletion."
  type        = number
}
