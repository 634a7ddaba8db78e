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
  podman                                        # the units' ExecStart (systemd-analyze verify checks it exists)
  ca-certificates curl
  python3-venv                                  # the tests' SMTP server (aiosmtpd, from PyPI)
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

# The Debian mirror this machine's apt uses (the image build and the
# validator below fetch from it too).
debian_mirror() {
  local mirror
  mirror=$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' \
    /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null | head -n 1)
  echo "${mirror:-http://deb.debian.org/debian}"
}

# Podman 5's quadlet generator validates the rendered units (Debian 12's
# podman 4.3 has none): taken from Debian 13's package, unpacked under the
# cache, never installed.
quadlet_dir="${XDG_CACHE_HOME:-$HOME/.cache}/erp-tools/podman5"
if [ ! -x "$quadlet_dir/usr/libexec/podman/quadlet" ]; then
  echo "setup: fetching podman 5's quadlet generator from Debian 13 (trixie)"
  work=$(mktemp -d)
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) trixie main" >"$work/list"
  mkdir -p "$work/lists/partial"
  apt_trixie=(-qq -oAPT::Sandbox::User=root -oDir::Etc::SourceList="$work/list" -oDir::Etc::SourceParts=/dev/null -oDir::State::Lists="$work/lists")
  apt-get "${apt_trixie[@]}" update
  (cd "$work" && apt-get "${apt_trixie[@]}" download podman)
  rm -rf "$quadlet_dir" && mkdir -p "$quadlet_dir"
  dpkg-deb -x "$work"/podman_*.deb "$quadlet_dir"
  rm -rf "$work"
fi
export ERP_QUADLET_GENERATOR="$quadlet_dir/usr/libexec/podman/quadlet"

# Prometheus, the scraper the metrics test reads /metrics with: Debian 12's
# package unpacked under the cache, never installed (installing would start
# a server on port 9090).
prometheus_dir="${XDG_CACHE_HOME:-$HOME/.cache}/erp-tools/prometheus"
if [ ! -x "$prometheus_dir/usr/bin/prometheus" ]; then
  echo "setup: fetching Prometheus from Debian 12"
  work=$(mktemp -d)
  (cd "$work" && apt-get -qq -oAPT::Sandbox::User=root download prometheus)
  rm -rf "$prometheus_dir" && mkdir -p "$prometheus_dir"
  dpkg-deb -x "$work"/prometheus_*.deb "$prometheus_dir"
  rm -rf "$work"
fi
export ERP_PROMETHEUS="$prometheus_dir/usr/bin/prometheus"

# python_tool NAME MODULE REQUIREMENT: a venv under the cache with one PyPI
# package, made once (again when MODULE no longer imports); prints its python.
python_tool() {
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/erp-tools/$1"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import $2" 2>/dev/null; then
    echo "setup: installing $3 (PyPI) into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "$3" >&2
  fi
  echo "$venv/bin/python"
}

# A real SMTP server for the e-mail tests: aiosmtpd.
ERP_SMTP_PYTHON=$(python_tool smtp aiosmtpd "aiosmtpd>=1.4,<2")
export ERP_SMTP_PYTHON
# An S3-compatible server for the file store's S3 test: moto's server. It
# is an emulator of the S3 API (no real object store installs from the
# package registries here), which is what the test's note says.
ERP_S3_PYTHON=$(python_tool moto moto.server "moto[server]>=5.1,<6")
export ERP_S3_PYTHON
# The API contract test: schemathesis against the served OpenAPI document.
ERP_SCHEMATHESIS="$(dirname "$(python_tool schemathesis schemathesis "schemathesis>=4.32,<4.33")")/schemathesis"
export ERP_SCHEMATHESIS

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
