variable "environment" {
  description = "Environment name (dev, prod): part of every resource name."
  type        = string
}

variable "availability_zones" {
  description = "The three availability zones of the VPC."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "The VPC's /16 CIDR block."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per AZ."
  type        = bool
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed to the public Kubernetes API endpoint (empty: private only)."
  type        = list(string)
}

variable "node_instance_types" {
  description = "EKS node instance types."
  type        = list(string)
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT."
  type        = string
}

variable "node_min" {
  description = "Least EKS nodes."
  type        = number
}

variable "node_desired" {
  description = "EKS nodes at creation."
  type        = number
}

variable "node_max" {
  description = "Most EKS nodes."
  type        = number
}

variable "kafka_version" {
  description = "MSK Kafka version."
  type        = string
}

variable "msk_instance_type" {
  description = "MSK broker instance type."
  type        = string
}

variable "kafka_acls_enforced" {
  description = "Close every Kafka resource without ACLs (MSK allow.everyone.if.no.acl.found=false). Set true once the chart's create-topics Job has run (README \"Kafka users and ACLs\")."
  type        = bool
}

variable "msk_volume_gib" {
  description = "MSK storage per broker."
  type        = number
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_nodes" {
  description = "ElastiCache nodes (primary + replicas, at least 2)."
  type        = number
}

variable "docdb_instance_class" {
  description = "DocumentDB instance class."
  type        = string
}

variable "docdb_instances" {
  description = "DocumentDB instances."
  type        = number
}

variable "postgres_instance_class" {
  description = "Aurora PostgreSQL instance class (Temporal)."
  type        = string
}

variable "postgres_instances" {
  description = "Aurora PostgreSQL instances."
  type        = number
}

variable "backup_retention_days" {
  description = "Days of backups and snapshots of the data stores."
  type        = number
}

variable "deletion_protection" {
  description = "Deletion protection and final snapshots on the databases; keeps ECR images on destroy."
  type        = bool
}

variable "log_retention_days" {
  description = "CloudWatch log retention."
  type        = number
}

variable "secret_recovery_days" {
  description = "Recovery window of deleted secrets (0: at once, for dev teardown)."
  type        = number
}

variable "app_namespace" {
  description = "Kubernetes namespace of the crypto-oms release (IRSA trust)."
  type        = string
}

variable "domain" {
  description = "Public host name of the API and the WebSocket (the chart's ingress.host)."
  type        = string
}
