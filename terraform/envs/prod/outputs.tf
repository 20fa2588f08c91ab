output "cluster_name" {
  description = "EKS cluster."
  value       = module.stack.cluster_name
}

output "ecr_repository_url" {
  description = "Where to push the image."
  value       = module.stack.ecr_repository_url
}

output "app_irsa_role_arn" {
  description = "IAM role of the chart's ServiceAccount."
  value       = module.stack.app_irsa_role_arn
}

output "secret_arns" {
  description = "Secrets Manager secrets that fill the chart's Secret."
  value = {
    app      = module.stack.app_secret_arn
    internal = module.stack.internal_auth_secret_arn
    kafka    = module.stack.msk_scram_secret_arns
    redis    = module.stack.redis_users_secret_arn
    mongo    = module.stack.docdb_secret_arn
    temporal = module.stack.temporal_postgres_secret_arn
  }
}

output "temporal_postgres_endpoint" {
  description = "Aurora PostgreSQL endpoint for Temporal's chart."
  value       = module.stack.temporal_postgres_endpoint
}

output "helm_values" {
  description = "Generated values for the crypto-oms chart (with values-aws.yaml)."
  value       = module.stack.helm_values
}
