#!/usr/bin/env bash
# Tools the Kubernetes manifests are rendered with, built at exact versions and cached outside the
# clone. Usage: tools.sh kustomize   (installs it when missing, prints the binary's path)
set -euo pipefail

# Pinned: the kustomize that renders deploy/k8s in tests and in `make k8s-render`.
KUSTOMIZE_VERSION="v5.8.1"
CACHE_DIR="${WAYMARK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/waymark}"

die() { printf '[k8s-tools] ERROR: %s\n' "$*" >&2; exit 1; }

kustomize() {
  local bin_dir="$CACHE_DIR/kustomize-$KUSTOMIZE_VERSION/bin"
  if [ ! -x "$bin_dir/kustomize" ]; then
    command -v go >/dev/null || die "go not found: kustomize is built with the Go toolchain"
    printf '[k8s-tools] building kustomize %s into %s\n' "$KUSTOMIZE_VERSION" "$bin_dir" >&2
    mkdir -p "$bin_dir"
    CGO_ENABLED=0 GOBIN="$bin_dir" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2 \
      || die "building kustomize failed"
  fi
  printf '%s\n' "$bin_dir/kustomize"
}

case "${1:-}" in
  kustomize) kustomize ;;
  *) die "usage: $0 kustomize" ;;
esac
