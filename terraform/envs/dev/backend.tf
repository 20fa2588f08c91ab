# Remote state in S3 with a DynamoDB lock table (README "Deploy to AWS" creates both once per account). The bucket
# and table are given at init time, so the same code serves any account:
#   terraform init -backend-config="bucket=<state bucket>" -backend-config="dynamodb_table=<lock table>" \
#     -backend-config="region=<region>"
terraform {
  backend "s3" {
    key     = "crypto-oms/dev/terraform.tfstate"
    encrypt = true
  }
}
