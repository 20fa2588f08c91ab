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
