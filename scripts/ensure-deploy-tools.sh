#!/usr/bin/env bash
# Builds (once) the offline checkers the deploy tests use, into ~/.cache/crypto-oms/tools/<tool>-<version>/:
# kubeconform, tflint, helm, kube-apiserver + etcd (Go module proxy), and a Python venv with checkov and
# kubernetes-validate (whose schemas are made standalone for kubeconform). Idempotent: a finished tool has a
# `.done` marker and is skipped; builds go to a temporary folder renamed into place, under a lock, one at a time.
# `terraform` is the preinstalled /usr/local/bin/terraform (fmt only; providers cannot be downloaded here).
# Usage: scripts/ensure-deploy-tools.sh [tool...]   (default: all; prints nothing when everything is cached)
# CRYPTO_OMS_TOOLS overrides the cache folder (default: the tools folder of CRYPTO_OMS_CACHE, as the other tools').
# See ../shared/DEPLOY-CHECKS.md for where these versions come from.
set -euo pipefail

TOOLS="${CRYPTO_OMS_TOOLS:-${CRYPTO_OMS_CACHE:-$HOME/.cache/crypto-oms}/tools}"
KUBECONFORM_VERSION=v0.8.0
TFLINT_VERSION=v0.64.0
HELM_VERSION=v4.3.2
KUBE_VERSION=1.37.2
ETCD_VERSION=v3.7.0
CHECKOV_VERSION=3.3.30
KUBERNETES_VALIDATE_VERSION=1.37.0

mkdir -p "$TOOLS"
log() { echo "[deploy-tools] $*" >&2; }

# Runs "$2..." to fill a temporary folder ($OUT) and moves it to $TOOLS/$1 when it succeeds.
build() {
  local name="$1"; shift
  local dest="$TOOLS/$name"
  [ -f "$dest/.done" ] && return 0
  exec 9>"$TOOLS/.$name.lock"
  flock 9
  if [ -f "$dest/.done" ]; then exec 9>&-; return 0; fi
  log "building $name (once; cached in $dest)..."
  local started=$SECONDS
  OUT="$(mktemp -d "$TOOLS/.$name.XXXXXX")"
  export OUT
  if ! "$@"; then
    rm -rf "$OUT"; exec 9>&-
    log "building $name failed"; return 1
  fi
  touch "$OUT/.done"
  rm -rf "$dest"; mv "$OUT" "$dest"; chmod 755 "$dest"
  exec 9>&-
  log "$name ready in $((SECONDS - started)) s"
}

go_install() { # package@version [ldflags]
  GOBIN="$OUT/bin" CGO_ENABLED=0 go install -ldflags "${2:--s -w}" "$1"
}

build_kubeconform() { go_install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"; }
build_tflint() { go_install "github.com/terraform-linters/tflint@$TFLINT_VERSION"; }
build_helm() {
  go_install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" \
    "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
}

build_kube() {
  local d m minor="${KUBE_VERSION#*.}"; minor="${minor%%.*}"
  d="$(mktemp -d)"
  (
    cd "$d" &&
    go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" >/dev/null &&
    m="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$KUBE_VERSION.mod" &&
    {
      echo "module example.com/kapi"; echo "go 1.26.0"; echo "require k8s.io/kubernetes v$KUBE_VERSION"; echo "replace ("
      grep -E '=> ./staging' "$m" | awk -v v="v0.${KUBE_VERSION#*.}" '{print "\t"$1" => "$1" "v}'
      echo ")"
    } > go.mod &&
    go get "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION" "go.etcd.io/etcd/server/v3@$ETCD_VERSION" &&
    CGO_ENABLED=0 go build -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
      -o "$OUT/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver &&
    CGO_ENABLED=0 go build -ldflags "-s -w" -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3
  )
  local status=$?
  rm -rf "$d"
  return $status
}

build_pytools() {
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install -q "checkov==$CHECKOV_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  # kubernetes-validate's schemas $ref a shared _definitions.json by absolute path; kubeconform needs standalone
  # files: copy each strict schema with the definitions it reaches under a local "$defs".
  "$OUT/venv/bin/python" - "$OUT" "$KUBERNETES_VALIDATE_VERSION" <<'PY'
import json, os, sys
import kubernetes_validate
out, version = sys.argv[1], sys.argv[2]
src = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema", f"v{version}-local-strict")
defs = json.load(open(os.path.join(src, "_definitions.json")))["$defs"]
dest = os.path.join(out, "schemas")
os.makedirs(dest)
def refs(node, found):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and "#/$defs/" in v:
                found.add(v.split("#/$defs/")[1])
            else:
                refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)
    return found
def local(node):
    if isinstance(node, dict):
        return {k: ("#/$defs/" + v.split("#/$defs/")[1] if k == "$ref" and isinstance(v, str) and "#/$defs/" in v else local(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [local(v) for v in node]
    return node
count = 0
for f in sorted(os.listdir(src)):
    if not f.endswith(".json") or f.startswith("_") or f == "all.json":
        continue
    schema = json.load(open(os.path.join(src, f)))
    todo, seen = list(refs(schema, set())), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(refs(defs[name], set()) - seen)
    schema = local(schema)
    if seen:
        schema["$defs"] = {n: local(defs[n]) for n in sorted(seen)}
    with open(os.path.join(dest, f), "w") as fh:
        json.dump(schema, fh)
    count += 1
print(f"[deploy-tools] {count} standalone strict schemas from {src}", file=sys.stderr)
PY
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(pytools kubeconform tflint helm kube)
for t in "${want[@]}"; do
  case "$t" in
    kubeconform) build "kubeconform-$KUBECONFORM_VERSION" build_kubeconform ;;
    tflint) build "tflint-$TFLINT_VERSION" build_tflint ;;
    helm) build "helm-$HELM_VERSION" build_helm ;;
    kube) build "kube-apiserver-v$KUBE_VERSION-etcd-$ETCD_VERSION" build_kube ;;
    pytools) build "pytools-checkov-$CHECKOV_VERSION-kv-$KUBERNETES_VALIDATE_VERSION" build_pytools ;;
    *) log "unknown tool $t"; exit 2 ;;
  esac
done
