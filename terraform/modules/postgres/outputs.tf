output "endpoint" {
  description = "Writer endpoint (Temporal's chart: server.config.persistence.*.sql.host)."
  value       = aws_rds_cluster.this.endpoint
}

output "master_secret_arn" {
  description = "Secrets Manager secret RDS manages with the master password."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}
