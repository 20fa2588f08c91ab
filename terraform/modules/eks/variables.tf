variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's CIDR block (the ALB reaches pods from it)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the nodes and the control plane's network interfaces."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to the public API endpoint; empty: private endpoint only."
  type        = list(string)
}

variable "node_instance_types" {
  description = "Instance types of the default node group."
  type        = list(string)
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
}

variable "node_min" {
  description = "Least nodes."
  type        = number
}

variable "node_desired" {
  description = "Nodes at creation (the cluster autoscaler owns it afterwards)."
  type        = number
}

variable "node_max" {
  description = "Most nodes."
  type        = number
}

variable "node_disk_gib" {
  description = "Root volume size of a node."
  type        = number
}

variable "kms_key_arn" {
  description = "KMS key for Kubernetes secrets, node volumes and the log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the control plane logs."
  type        = number
}
