output "url" {
  description = "rediss:// URL of the primary endpoint (REDIS_URL; each process logs in as its own user)."
  value       = "rediss://${aws_elasticache_replication_group.this.primary_endpoint_address}:6379"
}

output "users_secret_arn" {
  description = "Secrets Manager secret with each process's Redis password (JSON: api, risk, market-data)."
  value       = aws_secretsmanager_secret.users.arn
}

output "usernames" {
  description = "Per process: its Redis user name (the chart's redis.users)."
  value       = { for name, user in aws_elasticache_user.process : name => user.user_name }
}
