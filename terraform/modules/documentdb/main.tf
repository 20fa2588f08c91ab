# DocumentDB: TLS required (cluster parameter group), encrypted storage, audit and profiler logs, the master
# credentials in Secrets Manager. The application connects with tls=true, the AWS CA bundle and retryWrites=false.

resource "aws_security_group" "this" {
  name        = "${var.name}-docdb"
  description = "DocumentDB: TLS from the EKS nodes only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "mongo" {
  security_group_id            = aws_security_group.this.id
  description                  = "MongoDB wire protocol over TLS from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 27017
  to_port                      = 27017
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_docdb_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_docdb_cluster_parameter_group" "this" {
  name   = var.name
  family = var.parameter_group_family

  parameter {
    name  = "tls"
    value = "enabled"
  }

  parameter {
    name  = "audit_logs"
    value = "enabled"
  }

  parameter {
    name  = "profiler"
    value = "enabled"
  }
}

resource "random_password" "master" {
  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "master" {
  name                    = "${var.name}/docdb-master"
  description             = "DocumentDB master credentials of ${var.name}"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "master" {
  secret_id = aws_secretsmanager_secret.master.id
  secret_string = jsonencode({
    username = var.master_username
    password = random_password.master.result
    host     = aws_docdb_cluster.this.endpoint
    port     = 27017
    url      = "mongodb://${var.master_username}:${random_password.master.result}@${aws_docdb_cluster.this.endpoint}:27017/?tls=true&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false"
  })
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = toset(["audit", "profiler"])
  name              = "/aws/docdb/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_docdb_cluster" "this" {
  cluster_identifier              = var.name
  engine                          = "docdb"
  engine_version                  = var.engine_version
  master_username                 = var.master_username
  master_password                 = random_password.master.result
  db_subnet_group_name            = aws_docdb_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.this.id]
  db_cluster_parameter_group_name = aws_docdb_cluster_parameter_group.this.name
  storage_encrypted               = true
  kms_key_id                      = var.kms_key_arn
  backup_retention_period         = var.backup_retention_days
  preferred_backup_window         = "02:00-03:00"
  enabled_cloudwatch_logs_exports = ["audit", "profiler"]
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = !var.deletion_protection
  final_snapshot_identifier       = var.deletion_protection ? "${var.name}-final" : null
  depends_on                      = [aws_cloudwatch_log_group.this]
}

resource "aws_docdb_cluster_instance" "this" {
  count                      = var.instances
  identifier                 = "${var.name}-${count.index}"
  cluster_identifier         = aws_docdb_cluster.this.id
  instance_class             = var.instance_class
  auto_minor_version_upgrade = true
}
