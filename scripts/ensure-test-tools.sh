#!/usr/bin/env bash
# Everything `npm test` needs besides node modules and the stack (which Jest's global setup brings up), installed once
# per machine into ~/.cache/crypto-oms/tools (or from apt) and skipped when present, so a warm run spends no time here:
#   chromium             the dashboard's browser test (Debian's package)
#   deploy tools         helm, kubeconform, tflint, checkov, kubernetes-validate, kube-apiserver + etcd (test/deploy)
#   image tools          docker-compose (parses the compose file), hadolint (the Dockerfile)
#   schemathesis         the API fuzzer (test/contract)
#   promtool             the alert rules' checks and unit tests (test/observability)
set -euo pipefail
cd "$(dirname "$0")"
bash ensure-chromium.sh
bash ensure-deploy-tools.sh
bash ensure-image-tools.sh >/dev/null
bash ensure-schemathesis.sh >/dev/null
bash ensure-promtool.sh >/dev/null
