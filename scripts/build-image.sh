#!/usr/bin/env bash
# Builds the appliance image from the working tree with podman and prints its
# size. The base image the Containerfile names (Debian 12 slim) comes from a
# registry where one is reachable; here none is, so when podman does not have
# it, it is made from Debian's packages (debootstrap, minbase) and imported
# under that name. Usage: scripts/build-image.sh [IMAGE[:TAG]]
#   default: localhost/erp-appliance:<version from Cargo.toml>
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-debian.sh
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap podman >/dev/null
    break
  }
done

version=$(awk -F'"' '/^version = / {print $2; exit}' appliance/Cargo.toml)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
image="${1:-localhost/erp-appliance:$version}"
base=$(awk -F= '/^ARG BASE=/ {print $2; exit}' Containerfile)

if ! podman image exists "$base"; then
  echo "build-image: making $base from Debian's packages (debootstrap, a few minutes)"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >/dev/null
  tar -C "$root" -c . | podman import --quiet - "$base" >/dev/null
fi

./scripts/build-islands.sh
cargo build --locked --release -p appliance
context=$(mktemp -d)
trap 'rm -rf "$context" ${root:+"$root"}' EXIT
cp "${CARGO_TARGET_DIR:-target}/release/appliance" "$context/appliance"
cp -r web-ui/site "$context/site"
cp Containerfile "$context/Containerfile"

started=$(date +%s)
# chroot isolation: RUN steps need no OCI runtime or cgroup controllers, which
# the machines here do not give podman (BUILD_ISOLATION=oci elsewhere).
podman build --quiet --format oci --isolation "${BUILD_ISOLATION:-chroot}" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --tag "$image" "$context" >/dev/null
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "build-image: $image built in $(( $(date +%s) - started )) s, $(( size / 1024 / 1024 )) MiB ($size bytes)"
