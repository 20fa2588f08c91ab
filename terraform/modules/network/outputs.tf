output "vpc_id" {
  description = "The VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "The VPC's CIDR block."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets (load balancers)."
  value       = aws_subnet.public[*].id
}

output "public_subnet_cidrs" {
  description = "Public subnets' CIDR blocks (the ALB's source addresses for the pods' NetworkPolicies)."
  value       = aws_subnet.public[*].cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (EKS nodes and pods)."
  value       = aws_subnet.private[*].id
}

output "data_subnet_ids" {
  description = "Data subnets (MSK, ElastiCache, DocumentDB, Aurora)."
  value       = aws_subnet.data[*].id
}

output "data_subnet_cidrs" {
  description = "Data subnets' CIDR blocks (the pods' NetworkPolicy egress to the data stores)."
  value       = aws_subnet.data[*].cidr_block
}
