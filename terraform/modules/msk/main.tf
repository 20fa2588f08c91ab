# MSK: three brokers over the three data subnets, TLS between clients and brokers and inside the cluster, SASL/SCRAM
# with one user per process (each in a Secrets Manager secret encrypted with a customer managed key, as MSK requires)
# and Kafka ACLs, encryption at rest, no automatic topic creation (the chart's create-topics Job makes the topics and
# the ACLs), min.insync.replicas=2.

locals {
  # The chart's processes that use Kafka, and the admin user its create-topics Job logs in as.
  kafka_users = toset(["admin", "api", "worker", "risk", "venue", "market-data"])
}

resource "aws_security_group" "this" {
  name        = "${var.name}-msk"
  description = "MSK brokers: SASL/SCRAM over TLS from the EKS nodes only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "scram" {
  security_group_id            = aws_security_group.this.id
  description                  = "Kafka SASL/SCRAM over TLS from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 9096
  to_port                      = 9096
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_msk_configuration" "this" {
  name           = "${var.name}-msk"
  kafka_versions = [var.kafka_version]
  server_properties = join("\n", [
    "auto.create.topics.enable=false",
    "default.replication.factor=3",
    "min.insync.replicas=2",
    "num.partitions=3",
    "unclean.leader.election.enable=false",
    "delete.topic.enable=true",
    # The admin DLQ routes read through short-lived consumer groups; the default 3 s delay of a new group's first
    # join alone would exceed the API's dependency bound (README "Admin API: orders and dead letters").
    "group.initial.rebalance.delay.ms=0",
    # MSK has no super users. Until the create-topics Job has given every user its ACLs (the admin user included),
    # a resource without ACLs stays open to every authenticated user; acls_enforced then closes it (README "Kafka
    # users and ACLs"). A topic that has ACLs serves only the users they name either way.
    "allow.everyone.if.no.acl.found=${var.acls_enforced ? "false" : "true"}",
  ])
}

resource "aws_cloudwatch_log_group" "brokers" {
  name              = "/aws/msk/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = 3

  broker_node_group_info {
    instance_type   = var.instance_type
    client_subnets  = var.subnet_ids
    security_groups = [aws_security_group.this.id]
    storage_info {
      ebs_storage_info {
        volume_size = var.volume_gib
      }
    }
  }

  client_authentication {
    unauthenticated = false
    sasl {
      scram = true
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = var.kms_key_arn
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  enhanced_monitoring = "PER_TOPIC_PER_BROKER"

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.brokers.name
      }
    }
  }
}

resource "random_password" "scram" {
  for_each = local.kafka_users
  length   = 40
  special  = false
}

# MSK only takes secrets named AmazonMSK_* and encrypted with a customer managed key. One per user: a process's
# password is its own, so the order API cannot log in as the venue.
resource "aws_secretsmanager_secret" "scram" {
  for_each                = local.kafka_users
  name                    = "AmazonMSK_${var.name}_${each.key}"
  description             = "SASL/SCRAM credentials of crypto-oms ${each.key} on ${var.name}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "scram" {
  for_each      = local.kafka_users
  secret_id     = aws_secretsmanager_secret.scram[each.key].id
  secret_string = jsonencode({ username = "crypto-oms-${each.key}", password = random_password.scram[each.key].result })
}

resource "aws_msk_scram_secret_association" "this" {
  cluster_arn     = aws_msk_cluster.this.arn
  secret_arn_list = [for user in local.kafka_users : aws_secretsmanager_secret.scram[user].arn]
  depends_on      = [aws_secretsmanager_secret_version.scram]
}
