#!/usr/bin/env bash
# Installs the project's toolchain into the repo, idempotently:
#   npm: forge/anvil/cast 1.7.1, solc 0.8.37 (wasm), OpenZeppelin 5.7.0, forge-std 1.9.7
#   web/: the web app's packages (its own lockfile) and its build, web/dist; Debian chromium
# Fast when already done (a stamp of package-lock.json's hash). See TOOLCHAIN.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.aos-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "setup: installing the npm toolchain (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

# shellcheck source=script/env.sh
source "$root/script/env.sh"
for t in forge anvil cast; do
  command -v "$t" >/dev/null || { echo "setup: $t missing after npm ci" >&2; exit 1; }
done
"$FOUNDRY_SOLC" --version | grep -q '^Version: 0.8.37' || { echo "setup: solc shim broken" >&2; exit 1; }
# Debian packages for crates that build C/C++: llama.cpp (llama-cpp-sys-2) needs cmake and
# libclang (bindgen). Installed once, only when missing.
if ! command -v cmake >/dev/null || ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1; then
  echo "setup: installing cmake and libclang-dev (apt-get)…" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends cmake libclang-dev >&2
fi
# The web app (web/, issue 17): its own package.json and lockfile, built into web/dist, which
# `aos web` serves. Reinstalled when the lockfile changes, rebuilt when its inputs change (the
# app's sources and what its types are generated from: chain/abi, indexer/openapi.yaml,
# protocol/schemas).
web_lock="$(sha256sum web/package-lock.json | cut -d' ' -f1)"
if [ ! -f web/node_modules/.aos-stamp ] || [ "$(cat web/node_modules/.aos-stamp)" != "$web_lock" ]; then
  echo "setup: installing the web app's packages (npm ci in web/)…" >&2
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  echo "$web_lock" > web/node_modules/.aos-stamp
fi
web_inputs="$(find web/src web/scripts web/index.html web/vite.config.ts web/tsconfig.json \
  web/package-lock.json chain/abi indexer/openapi.yaml protocol/schemas -type f \
  -not -path 'web/src/gen/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ ! -f web/dist/.aos-stamp ] || [ "$(cat web/dist/.aos-stamp)" != "$web_inputs" ]; then
  echo "setup: building the web app (web/dist)…" >&2
  npm run --prefix web --silent build >&2
  echo "$web_inputs" > web/dist/.aos-stamp
fi
# The browser tests drive Debian's Chromium (no Playwright browser download).
if ! command -v chromium >/dev/null; then
  echo "setup: installing chromium (apt-get) for the web app's browser tests…" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >&2
fi
command -v cargo >/dev/null || { echo "setup: cargo not found (install Rust via rustup)" >&2; exit 1; }
