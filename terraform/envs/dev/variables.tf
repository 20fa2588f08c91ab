variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "eks_public_access_cidrs" {
  description = "Your operators' CIDRs for the public Kubernetes API endpoint (empty: reach it from inside the VPC)."
  type        = list(string)
  default     = []
}

variable "domain" {
  description = "Public host name of the API and the WebSocket."
  type        = string
  default     = "oms-dev.example.com"
}

variable "kafka_acls_enforced" {
  description = "false for the first apply; true once the chart's create-topics Job has given every Kafka user its ACLs (README \"Kafka users and ACLs\")."
  type        = bool
  default     = false
}
