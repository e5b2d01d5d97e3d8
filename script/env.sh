# Source me: puts the repo's npm toolchain (forge, anvil, cast, solc shim) on PATH.
# Uses the real ELF binaries, not npm's Node wrappers (TOOLCHAIN.md).
AOS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AOS_ROOT
export FOUNDRY_SOLC="$AOS_ROOT/script/solc"
for t in forge anvil cast; do
  d="$AOS_ROOT/node_modules/@foundry-rs/$t-linux-amd64/bin"
  case ":$PATH:" in *":$d:"*) ;; *) PATH="$d:$PATH" ;; esac
done
export PATH
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aos/target}"
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
