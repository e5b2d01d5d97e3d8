#!/usr/bin/env bash
# Writes the JSON ABIs the Rust bindings (crate aos-chain, `alloy::sol!`) are generated from,
# from the forge artefacts: chain/abi/<Contract>.json. script/test.sh re-runs this and fails
# if the checked-in files differ, so bindings never drift from the contracts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=script/env.sh
source "$root/script/env.sh"
cd "$root"
forge build --quiet
for c in TaskMarket KarmaRegistry AgentRegistry DisputeCourt PrevrandaoRandomness; do
  python3 - "contracts/out/$c.sol/$c.json" "chain/abi/$c.json" <<'PY'
import json, sys
abi = json.load(open(sys.argv[1]))["abi"]
with open(sys.argv[2], "w") as f:
    json.dump(abi, f, indent=1, sort_keys=True)
    f.write("\n")
PY
done
