# The whole crypto-oms environment: one KMS key, the network, EKS, the data stores, ECR, the application's secrets,
# its IAM role for service accounts and its log group. envs/dev and envs/prod call this with their sizes.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name = "crypto-oms-${var.environment}"
}

data "aws_iam_policy_document" "kms" {
  # The account administers the key; AWS services use it through the grants the account's principals give them.
  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.name}: EKS secrets, data stores, secrets, logs, images"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

module "network" {
  source             = "../network"
  name               = local.name
  cidr               = var.vpc_cidr
  availability_zones = var.availability_zones
  cluster_name       = local.name
  single_nat_gateway = var.single_nat_gateway
  log_retention_days = var.log_retention_days
  kms_key_arn        = aws_kms_key.this.arn
}

module "eks" {
  source              = "../eks"
  name                = local.name
  kubernetes_version  = var.kubernetes_version
  vpc_id              = module.network.vpc_id
  vpc_cidr            = module.network.vpc_cidr
  private_subnet_ids  = module.network.private_subnet_ids
  public_access_cidrs = var.eks_public_access_cidrs
  node_instance_types = var.node_instance_types
  node_capacity_type  = var.node_capacity_type
  node_min            = var.node_min
  node_desired        = var.node_desired
  node_max            = var.node_max
  node_disk_gib       = 50
  kms_key_arn         = aws_kms_key.this.arn
  log_retention_days  = var.log_retention_days
}

module "msk" {
  source                   = "../msk"
  name                     = local.name
  kafka_version            = var.kafka_version
  instance_type            = var.msk_instance_type
  volume_gib               = var.msk_volume_gib
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.eks.node_security_group_id
  kms_key_arn              = aws_kms_key.this.arn
  log_retention_days       = var.log_retention_days
  secret_recovery_days     = var.secret_recovery_days
  acls_enforced            = var.kafka_acls_enforced
}

module "redis" {
  source                   = "../redis"
  name                     = local.name
  engine_version           = "7.1"
  node_type                = var.redis_node_type
  nodes                    = var.redis_nodes
  snapshot_retention_days  = var.backup_retention_days
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.eks.node_security_group_id
  kms_key_arn              = aws_kms_key.this.arn
  log_retention_days       = var.log_retention_days
  secret_recovery_days     = var.secret_recovery_days
}

module "documentdb" {
  source                   = "../documentdb"
  name                     = local.name
  engine_version           = "5.0.0"
  parameter_group_family   = "docdb5.0"
  instance_class           = var.docdb_instance_class
  instances                = var.docdb_instances
  master_username          = "cryptooms"
  backup_retention_days    = var.backup_retention_days
  deletion_protection      = var.deletion_protection
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.eks.node_security_group_id
  kms_key_arn              = aws_kms_key.this.arn
  log_retention_days       = var.log_retention_days
  secret_recovery_days     = var.secret_recovery_days
}

module "postgres" {
  source                   = "../postgres"
  name                     = "${local.name}-temporal"
  engine_version           = "16.6"
  parameter_group_family   = "aurora-postgresql16"
  instance_class           = var.postgres_instance_class
  instances                = var.postgres_instances
  backup_retention_days    = var.backup_retention_days
  deletion_protection      = var.deletion_protection
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.eks.node_security_group_id
  kms_key_arn              = aws_kms_key.this.arn
  log_retention_days       = var.log_retention_days
}

module "ecr" {
  source       = "../ecr"
  name         = "crypto-oms"
  keep_images  = 30
  force_delete = !var.deletion_protection
  kms_key_arn  = aws_kms_key.this.arn
}

# The application's own secret: the API key pepper.
resource "random_password" "app" {
  for_each = toset(["API_KEY_PEPPER"])
  length   = 64
  special  = false
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "${local.name}/app"
  description             = "crypto-oms application secrets (API_KEY_PEPPER)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({ for k, v in random_password.app : k => v.result })
}

# The internal calls' secrets, one per caller (README "Security"): each process signs with its own, the risk engine
# and the venue accept those of the callers they serve. The keys are those of the chart's internal-auth Secret
# (secrets.internalAuth): api, worker, risk, market-data, risk-callers, venue-callers.
resource "random_password" "internal_auth" {
  for_each = toset(["api", "worker", "risk", "market-data"])
  length   = 64
  special  = false
}

locals {
  internal_secret = { for caller, p in random_password.internal_auth : caller => p.result }
}

resource "aws_secretsmanager_secret" "internal_auth" {
  name                    = "${local.name}/internal-auth"
  description             = "crypto-oms internal-call secrets per caller (the chart's internal-auth Secret)"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.secret_recovery_days
}

resource "aws_secretsmanager_secret_version" "internal_auth" {
  secret_id = aws_secretsmanager_secret.internal_auth.id
  secret_string = jsonencode(merge(local.internal_secret, {
    "risk-callers"  = jsonencode({ worker = [local.internal_secret["worker"]], api = [local.internal_secret["api"]] })
    "venue-callers" = jsonencode({ worker = [local.internal_secret["worker"]], risk = [local.internal_secret["risk"]], "market-data" = [local.internal_secret["market-data"]] })
  }))
}

# Where the processes' stdout goes when a log shipper (Fluent Bit) is installed: one group per environment.
resource "aws_cloudwatch_log_group" "app" {
  name              = "/crypto-oms/${var.environment}/app"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

# IRSA: the chart's ServiceAccount may read the application's secrets (External Secrets / the CSI driver) and nothing else.
data "aws_iam_policy_document" "app_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [module.eks.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${replace(module.eks.oidc_provider_url, "https://", "")}:sub"
      values   = ["system:serviceaccount:${var.app_namespace}:crypto-oms"]
    }
    condition {
      test     = "StringEquals"
      variable = "${replace(module.eks.oidc_provider_url, "https://", "")}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "${local.name}-app"
  assume_role_policy = data.aws_iam_policy_document.app_assume.json
}

data "aws_iam_policy_document" "app" {
  statement {
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = concat(
      [aws_secretsmanager_secret.app.arn, aws_secretsmanager_secret.internal_auth.arn],
      values(module.msk.scram_secret_arns),
      [module.redis.users_secret_arn, module.documentdb.credentials_secret_arn],
    )
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "app" {
  name   = "read-app-secrets"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app.json
}
