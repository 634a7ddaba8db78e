#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds the appliance and runs it with the demo
# data: every role in one process, with its own PostgreSQL and Redis in ./var.
# Extra arguments go to `appliance up` (e.g. --listen-address 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-debian.sh
./scripts/build-islands.sh
export ERP_SITE_DIR="$PWD/web-ui/site"

cargo build --locked --release -p appliance
exec "${CARGO_TARGET_DIR:-target}/release/appliance" up --demo "$@"
