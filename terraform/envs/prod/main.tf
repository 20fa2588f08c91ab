provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "crypto-oms"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}

# Prod: a NAT gateway per AZ, larger nodes and brokers, three DocumentDB and two Aurora instances, deletion
# protection and final snapshots, longer backups and logs.
module "stack" {
  source = "../../modules/stack"

  environment             = "prod"
  availability_zones      = [for z in ["a", "b", "c"] : "${var.region}${z}"]
  vpc_cidr                = "10.30.0.0/16"
  single_nat_gateway      = false
  kubernetes_version      = "1.34"
  eks_public_access_cidrs = var.eks_public_access_cidrs
  node_instance_types     = ["m6i.xlarge"]
  node_capacity_type      = "ON_DEMAND"
  node_min                = 3
  node_desired            = 3
  node_max                = 12
  kafka_version           = "3.8.x"
  msk_instance_type       = "kafka.m7g.large"
  kafka_acls_enforced     = var.kafka_acls_enforced
  msk_volume_gib          = 500
  redis_node_type         = "cache.r7g.large"
  redis_nodes             = 3
  docdb_instance_class    = "db.r6g.large"
  docdb_instances         = 3
  postgres_instance_class = "db.r6g.large"
  postgres_instances      = 2
  backup_retention_days   = 14
  deletion_protection     = true
  log_retention_days      = 365
  secret_recovery_days    = 30
  app_namespace           = "crypto-oms"
  domain                  = var.domain
}
