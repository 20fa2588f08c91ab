output "cluster_name" {
  description = "EKS cluster (aws eks update-kubeconfig --name <this>)."
  value       = module.eks.cluster_name
}

output "ecr_repository_url" {
  description = "Where to push the image."
  value       = module.ecr.repository_url
}

output "app_irsa_role_arn" {
  description = "IAM role of the chart's ServiceAccount."
  value       = aws_iam_role.app.arn
}

output "app_secret_arn" {
  description = "API_KEY_PEPPER."
  value       = aws_secretsmanager_secret.app.arn
}

output "internal_auth_secret_arn" {
  description = "The internal calls' secrets per caller: the keys of the chart's internal-auth Secret."
  value       = aws_secretsmanager_secret.internal_auth.arn
}

output "msk_scram_secret_arns" {
  description = "Per Kafka user (admin, api, worker, risk, venue, market-data): KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (keys username, password)."
  value       = module.msk.scram_secret_arns
}

output "redis_users_secret_arn" {
  description = "Each process's Redis password (JSON: api, risk, market-data): the chart's secrets.redisUsers."
  value       = module.redis.users_secret_arn
}

output "docdb_secret_arn" {
  description = "MONGO_URL (key url)."
  value       = module.documentdb.credentials_secret_arn
}

output "temporal_postgres_endpoint" {
  description = "Aurora PostgreSQL writer endpoint for Temporal's chart."
  value       = module.postgres.endpoint
}

output "temporal_postgres_secret_arn" {
  description = "The RDS-managed master password for Temporal's chart."
  value       = module.postgres.master_secret_arn
}

output "kms_key_arn" {
  description = "The environment's KMS key."
  value       = aws_kms_key.this.arn
}

# The crypto-oms chart's values that depend on this environment; use with values-aws.yaml:
#   terraform output -raw helm_values > aws-generated.yaml
output "helm_values" {
  description = "YAML for helm install -f (image, IRSA role, Kafka, Redis, NetworkPolicy CIDRs, ingress host)."
  value = yamlencode({
    image          = { repository = module.ecr.repository_url }
    serviceAccount = { irsaRoleArn = aws_iam_role.app.arn }
    kafka = {
      brokers = module.msk.bootstrap_brokers_sasl_scram
      users   = module.msk.usernames
      allowTo = [for c in module.network.data_subnet_cidrs : { ipBlock = { cidr = c } }]
    }
    redis   = { url = module.redis.url, users = module.redis.usernames, allowTo = [for c in module.network.data_subnet_cidrs : { ipBlock = { cidr = c } }] }
    mongo   = { allowTo = [for c in module.network.data_subnet_cidrs : { ipBlock = { cidr = c } }] }
    ingress = { host = var.domain }
    networkPolicy = {
      ingressFrom = [for c in module.network.public_subnet_cidrs : { ipBlock = { cidr = c } }]
    }
  })
}
