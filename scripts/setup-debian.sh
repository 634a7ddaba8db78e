#!/usr/bin/env bash
# Installs what building, running and testing the appliance needs on Debian 12.
# Idempotent: packages already present are left alone. Run as root.
set -euo pipefail

packages=(
  build-essential pkg-config libssl-dev cmake   # the build (pingora needs cmake for zlib-ng)
  postgresql redis-server                       # the private database and cache of `appliance up`
  chromium chromium-driver                      # browser tests
  poppler-utils                                 # tests read printed PDFs back as text (pdftotext)
  pebble                                        # ACME tests: a local ACME CA and its fake DNS (pebble-challtestsrv)
  ca-certificates curl
)
command -v npm >/dev/null 2>&1 || packages+=(npm)   # binaryen's wasm-opt for the islands bundle

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The appliance starts its own PostgreSQL and Redis; the distribution's
# services are not needed (and Debian starts redis-server on install).
systemctl disable --now redis-server >/dev/null 2>&1 || true

if ! command -v cargo >/dev/null 2>&1; then
  for env in "$HOME/.cargo/env" /usr/local/cargo/env; do
    # shellcheck disable=SC1090
    [ -f "$env" ] && . "$env"
  done
fi
command -v cargo >/dev/null 2>&1 || {
  echo "setup: no Rust toolchain found (cargo). Install Rust 1.94 or newer with rustup, then run this again." >&2
  exit 1
}
