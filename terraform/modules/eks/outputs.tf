output "cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name ...)."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "oidc_provider_arn" {
  description = "The OIDC provider for IAM roles for service accounts."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_provider_url" {
  description = "The OIDC issuer URL."
  value       = aws_iam_openid_connect_provider.this.url
}

output "node_security_group_id" {
  description = "The nodes' security group: the only source the data stores admit."
  value       = aws_security_group.node.id
}
