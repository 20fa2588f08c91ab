output "url" {
  description = "rediss:// URL of the primary endpoint (REDIS_URL; the token goes in REDIS_PASSWORD)."
  value       = "rediss://${aws_elasticache_replication_group.this.primary_endpoint_address}:6379"
}

output "auth_token_secret_arn" {
  description = "Secrets Manager secret with the AUTH token."
  value       = aws_secretsmanager_secret.auth.arn
}
