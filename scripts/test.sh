#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs every test of the workspace: unit tests
# and the black-box tests that start the real appliance (private PostgreSQL
# and Redis, HTTPS through the proxy, Chromium through chromedriver).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-debian.sh
./scripts/build-islands.sh
export ERP_SITE_DIR="$PWD/web-ui/site"

export RUST_BACKTRACE=0
cargo build --locked --workspace --all-targets
cargo test --locked --workspace --no-fail-fast
