output "endpoint" {
  description = "Cluster (writer) endpoint."
  value       = aws_docdb_cluster.this.endpoint
}

output "credentials_secret_arn" {
  description = "Secrets Manager secret with username, password and the application's MONGO_URL (key url)."
  value       = aws_secretsmanager_secret.master.arn
}
