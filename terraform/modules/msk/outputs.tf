output "bootstrap_brokers_sasl_scram" {
  description = "host:port,... of the brokers for SASL/SCRAM over TLS (KAFKA_BROKERS)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "scram_secret_arn" {
  description = "Secrets Manager secret with the SCRAM username and password."
  value       = aws_secretsmanager_secret.scram.arn
}
