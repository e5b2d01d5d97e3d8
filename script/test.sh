#!/usr/bin/env bash
# Runs every test of the project (README command two; .ci/run calls exactly this).
# Installs what it needs first (script/setup.sh). Cargo's target dir lives outside the clone
# ($CARGO_TARGET_DIR, default ~/.cache/aos/target) so a second run is incremental.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/script/setup.sh"
# shellcheck source=script/env.sh
source "$root/script/env.sh"
cd "$root"
step() { printf '\n== %s\n' "$*"; }

step "forge fmt --check"
forge fmt --check contracts script
step "forge build --sizes (EIP-170 limit enforced)"
forge build --sizes
step "forge test: unit, fuzz (1,000 runs), invariants (profile ci: 100 runs x 100 calls, fixed seed)"
FOUNDRY_PROFILE=ci forge test --no-match-path 'contracts/test/gas/*'
step "ABIs for the Rust bindings are current (script/export-abi.sh)"
"$root/script/export-abi.sh"
git diff --exit-code -- chain/abi || { echo "chain/abi is stale: run script/export-abi.sh and commit" >&2; exit 1; }
step "gas snapshots (forge test --isolate, checked against contracts/snapshots)"
FORGE_SNAPSHOT_CHECK=true forge test --isolate --match-path 'contracts/test/gas/*' -vv
step "cargo fmt --check, clippy -D warnings"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo test (tests/ runs the built binaries end to end: the main job, a cast-posted task, a worker crash)"
"$root/script/fetch-model.sh" >/dev/null
"$root/script/fetch-model.sh" --tiny >/dev/null
cargo build --workspace --bins --quiet
cargo test --workspace --quiet
step "web app: lint (ESLint, Prettier), unit tests (Vitest), browser tests (Playwright + Debian chromium) against a devnet and aos web"
npm run --prefix web --silent lint
npm run --prefix web --silent unit
npm run --prefix web --silent e2e
step "devnet: anvil + deploy + one task lifecycle and one dispute with cast"
"$root/script/devnet.sh"
step "all tests passed"
