variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kafka_version" {
  description = "Kafka version of the brokers."
  type        = string
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
}

variable "volume_gib" {
  description = "EBS storage per broker."
  type        = number
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Three data subnets, one per AZ."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "The only security group allowed to reach the brokers (the EKS nodes)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key (data at rest, the SCRAM secret, the log group)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the broker logs."
  type        = number
}

variable "secret_recovery_days" {
  description = "Recovery window of the SCRAM secret after deletion (0: delete at once)."
  type        = number
}

variable "acls_enforced" {
  description = "false: a resource without Kafka ACLs is open to every authenticated user (set it while the first create-topics Job gives the users their ACLs); true: allow.everyone.if.no.acl.found=false."
  type        = bool
}
