#!/usr/bin/env bash
# What CI cannot run here (no provider registry): terraform init (without a backend), validate, and optionally plan,
# for each environment under terraform/envs. Run it on a machine that reaches registry.terraform.io; `plan` also needs
# AWS credentials (read-only is enough) and calls no API that changes anything.
#   scripts/terraform-validate.sh            # init -backend=false + validate, dev and prod
#   scripts/terraform-validate.sh --plan     # and terraform plan against an empty local state (a temporary
#                                            # backend_override.tf: the S3 backend is not touched)
#   TFLINT_AWS=1 scripts/terraform-validate.sh  # and tflint with the AWS ruleset (downloads the plugin)
set -euo pipefail
cd "$(dirname "$0")/../terraform"

plan=0
[ "${1:-}" = "--plan" ] && plan=1

terraform fmt -check -recursive
for env in envs/*/; do
  env="${env%/}"
  echo "== $env"
  terraform -chdir="$env" init -backend=false -input=false -upgrade=false >/dev/null
  terraform -chdir="$env" validate
  if [ "$plan" = 1 ]; then
    override="$env/backend_override.tf"
    trap 'rm -f "$override"' EXIT
    printf 'terraform {\n  backend "local" {\n    path = "%s"\n  }\n}\n' "$(mktemp -u)" > "$override"
    terraform -chdir="$env" init -reconfigure -input=false >/dev/null
    terraform -chdir="$env" plan -input=false -lock=false
    rm -f "$override"
    trap - EXIT
  fi
  if [ "${TFLINT_AWS:-0}" = 1 ] && command -v tflint >/dev/null; then
    cfg="$(mktemp)"
    cat .tflint.hcl > "$cfg"
    printf '\nplugin "aws" {\n  enabled = true\n  version = "0.44.0"\n  source  = "github.com/terraform-linters/tflint-ruleset-aws"\n}\n' >> "$cfg"
    tflint --config "$cfg" --init >/dev/null
    tflint --config "$cfg" --chdir="$env"
    rm -f "$cfg"
  fi
done
echo "terraform validate passed for every environment"
