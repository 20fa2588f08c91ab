# ElastiCache Redis: a replication group with a replica in another AZ, automatic failover, TLS in transit, encryption
# at rest, and one RBAC user per process that uses Redis (the order API, the risk engine, market data), each allowed
# only its own keys, channels and commands (workers/redis-access.ts, checked against these access strings by
# test/deploy/terraform.test.ts). The default user is off. The passwords are kept in Secrets Manager.

locals {
  # workers/redis-access.ts redisAccessString(redisAccess(...)) with REDIS_KEY_PREFIX "" and MARKET_DATA_REDIS_PREFIX "md".
  access_strings = {
    "api"         = "on ~idempotency:* ~ratelimit:* ~pending-order:* ~pending-order-by-account:* resetchannels &api-keys:revoked -@all +@read +@write +@scripting +@pubsub +@transaction +@connection -@dangerous -@admin +info"
    "risk"        = "on ~positions:* %R~prices:* resetchannels &positions:* &symbols:status -@all +@read +@write +@scripting +@pubsub +@transaction +@connection -@dangerous -@admin +info"
    "market-data" = "on ~prices:* ~ratelimit:* ~md:* %R~positions:* resetchannels &positions:* &api-keys:revoked -@all +@read +@write +@scripting +@pubsub +@transaction +@connection -@dangerous -@admin +info"
  }
}

resource "aws_security_group" "this" {
  name        = "${var.name}-redis"
  description = "ElastiCache Redis: TLS from the EKS nodes only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "redis" {
  security_group_id            = aws_security_group.this.id
  description                  = "Redis over TLS from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "random_password" "user" {
  for_each = merge(local.access_strings, { default = "" })
  length   = 64
  special  = false
}

# ElastiCache wants a user named "default" in every user group: this one can do nothing.
resource "aws_elasticache_user" "default" {
  user_id       = "${var.name}-default"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"
  authentication_mode {
    type      = "password"
    passwords = [random_password.user["default"].result]
  }
}

resource "aws_elasticache_user" "process" {
  for_each      = local.access_strings
  user_id       = "${var.name}-${each.key}"
  user_name     = "crypto-oms-${each.key}"
  engine        = "redis"
  access_string = each.value
  authentication_mode {
    type      = "password"
    passwords = [random_password.user[each.key].result]
  }
}

resource "aws_elasticache_user_group" "this" {
  user_group_id = var.name
  engine        = "redis"
  user_ids      = concat([aws_elasticache_user.default.user_id], [for user in aws_elasticache_user.process : user.user_id])
}

# The processes' passwords, one key each (api, risk, market-data): the chart's secrets.redisUsers.
resource "aws_secretsmanager_secret" "users" {
  name                    = "${var.name}/redis-users"
  description             = "Redis (RBAC) passwords of the crypto-oms processes on ${var.name}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "users" {
  secret_id     = aws_secretsmanager_secret.users.id
  secret_string = jsonencode({ for name, _ in local.access_strings : name => random_password.user[name].result })
}

resource "aws_cloudwatch_log_group" "slow" {
  name              = "/aws/elasticache/${var.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = var.name
  description                = "crypto-oms Redis (${var.name})"
  engine                     = "redis"
  engine_version             = var.engine_version
  node_type                  = var.node_type
  num_cache_clusters         = var.nodes
  port                       = 6379
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.this.id]
  automatic_failover_enabled = true
  multi_az_enabled           = true
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  user_group_ids             = [aws_elasticache_user_group.this.user_group_id]
  auto_minor_version_upgrade = true
  snapshot_retention_limit   = var.snapshot_retention_days
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}
