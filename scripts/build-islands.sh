#!/usr/bin/env bash
# Builds the islands' WebAssembly bundle into web-ui/site/pkg (web_ui.js and
# web_ui.wasm), which the web role serves when ERP_SITE_DIR=web-ui/site.
# Installs what it needs the first time: the wasm32 target, wasm-bindgen-cli
# at the version in Cargo.lock, and binaryen's wasm-opt from npm (Debian's
# binaryen 108 produces bundles Chromium rejects).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"   # where cargo install puts wasm-bindgen

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qF " $version"; then
  echo "build-islands: installing wasm-bindgen-cli $version (a few minutes, once)"
  # Not --locked: its own lockfile names a crate version the registry mirror lacks.
  cargo install --quiet wasm-bindgen-cli --version "$version"
fi

tools=.tools
if [ ! -x "$tools/node_modules/.bin/wasm-opt" ]; then
  npm install --silent --no-audit --no-fund --prefix "$tools" binaryen@132
fi

cargo build --locked --lib -p web-ui --target wasm32-unknown-unknown \
  --no-default-features --features hydrate --profile wasm-release

out=web-ui/site/pkg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target web --out-dir "$work" --out-name web_ui \
  "$target_dir/wasm32-unknown-unknown/wasm-release/web_ui.wasm"
mkdir -p "$out"
"$tools/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$work/web_ui_bg.wasm" -o "$out/web_ui.wasm"
cp "$work/web_ui.js" "$out/web_ui.js"
echo "build-islands: $(du -h "$out/web_ui.wasm" | cut -f1) $out/web_ui.wasm"
