#!/usr/bin/env bash
# README command one: the main job end to end on this machine.
# Installs what it needs (npm toolchain, cmake/libclang, the model weights), builds the four
# binaries (aos, aos-worker, aos-indexer, aos-coordinator; dev profile, target dir outside the
# clone), then runs `aos demo`:
#   devnet up (anvil, contracts, indexer on SQLite, blob gateway, 3 workers on the local
#   model, 3 staked jurors) → a real request (examples/request.txt on
#   examples/incident-report.txt) through the coordinator → on-chain sub-tasks claimed,
#   run, submitted, accepted, paid → a task posted by plain `cast send`, taken and paid →
#   a rejected task ruled by a drawn jury (commit–reveal) → the indexer's view → a summary
#   (answer, balances, karma, gas per step) → devnet down. Exit code 0 only if all of it
#   happened.
# Arguments go to `aos demo` (e.g. --keep to leave the devnet running; --json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/script/setup.sh"
# shellcheck source=script/env.sh
source "$root/script/env.sh"
cd "$root"
model="$("$root/script/fetch-model.sh")"
echo "== building aos, aos-worker, aos-indexer, aos-coordinator (first time: ~10 min on 2 cores)" >&2
cargo build -q -p aos-cli -p aos-worker -p aos-indexer -p aos-coordinator
exec "$CARGO_TARGET_DIR/debug/aos" demo --model "$model" "$@"
