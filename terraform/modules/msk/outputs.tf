output "bootstrap_brokers_sasl_scram" {
  description = "host:port,... of the brokers for SASL/SCRAM over TLS (KAFKA_BROKERS)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "scram_secret_arns" {
  description = "Per Kafka user (admin, api, worker, risk, venue, market-data): the Secrets Manager secret with its SCRAM username and password."
  value       = { for user in local.kafka_users : user => aws_secretsmanager_secret.scram[user].arn }
}

output "usernames" {
  description = "Per process: its Kafka user name (the chart's kafka.users)."
  value       = { for user in local.kafka_users : user => "crypto-oms-${user}" }
}
