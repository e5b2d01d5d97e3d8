# Source me: puts the repo's npm toolchain (forge, anvil, cast, solc shim) and the workspace's
# built binaries (aos, aos-worker, aos-indexer, aos-coordinator in $CARGO_TARGET_DIR/debug)
# on PATH. Uses the real ELF binaries, not npm's Node wrappers (TOOLCHAIN.md).
AOS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AOS_ROOT
export FOUNDRY_SOLC="$AOS_ROOT/script/solc"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aos/target}"
for d in "$CARGO_TARGET_DIR/debug" \
  "$AOS_ROOT/node_modules/@foundry-rs/cast-linux-amd64/bin" \
  "$AOS_ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin" \
  "$AOS_ROOT/node_modules/@foundry-rs/forge-linux-amd64/bin"; do
  case ":$PATH:" in *":$d:"*) ;; *) PATH="$d:$PATH" ;; esac
done
export PATH
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
