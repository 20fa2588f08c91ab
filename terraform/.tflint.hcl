# tflint's bundled Terraform ruleset, every rule (the AWS ruleset is a plugin that cannot be downloaded here; run
# `tflint --init` with an aws plugin block where the network allows). test/deploy/terraform.test.ts runs this.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}

# The environments (root modules) pin every provider their child modules use, random included, so that one
# `terraform init` resolves one exact version; the rule would have them drop the pin.
rule "terraform_unused_required_providers" {
  enabled = false
}
