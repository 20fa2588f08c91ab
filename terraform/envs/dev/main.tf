provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "crypto-oms"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

# Dev: the same shape as prod (three AZs, three brokers, multi-AZ Redis), the smallest sizes, one NAT gateway, no
# deletion protection so that `terraform destroy` tears it all down.
module "stack" {
  source = "../../modules/stack"

  environment             = "dev"
  availability_zones      = [for z in ["a", "b", "c"] : "${var.region}${z}"]
  vpc_cidr                = "10.20.0.0/16"
  single_nat_gateway      = true
  kubernetes_version      = "1.34"
  eks_public_access_cidrs = var.eks_public_access_cidrs
  node_instance_types     = ["t3.large"]
  node_capacity_type      = "ON_DEMAND"
  node_min                = 2
  node_desired            = 3
  node_max                = 5
  kafka_version           = "3.8.x"
  msk_instance_type       = "kafka.t3.small"
  kafka_acls_enforced     = var.kafka_acls_enforced
  msk_volume_gib          = 20
  redis_node_type         = "cache.t4g.small"
  redis_nodes             = 2
  docdb_instance_class    = "db.t4g.medium"
  docdb_instances         = 1
  postgres_instance_class = "db.t4g.medium"
  postgres_instances      = 1
  backup_retention_days   = 7
  deletion_protection     = false
  log_retention_days      = 14
  secret_recovery_days    = 0
  app_namespace           = "crypto-oms"
  domain                  = var.domain
}
