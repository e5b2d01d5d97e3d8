#!/usr/bin/env bash
# AOS devnet with plain `cast`: starts anvil on loopback, deploys and wires the contracts
# (script/Deploy.s.sol), then runs, printing balances and gas per transaction:
#   1. one task lifecycle: register an agent, post (ETH escrow), claim (stake), submit,
#      accept, withdraw — white paper §7.2;
#   2. one disputed task to a ruling: jurors earn karma with real tasks, join the court,
#      the requester rejects, 3 jurors are drawn, commit, reveal; the ruling executes;
#   3. a real request (examples/request.txt on examples/incident-report.txt) planned,
#      routed and answered by aos-coordinator with the local model.
# Exit code 0 only if every balance and state check passes. Stops anvil on exit.
#
# Usage: script/devnet.sh            (RPC port from $AOS_RPC_PORT, default: a free port)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/script/setup.sh"
# shellcheck source=script/env.sh
source "$root/script/env.sh"
cd "$root"

MN="test test test test test test test test test test test junk"
key() { cast wallet private-key --mnemonic "$MN" --mnemonic-index "$1"; }
addr() { cast wallet address --private-key "$1"; }
port="${AOS_RPC_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
RPC="http://127.0.0.1:$port"
work="$(mktemp -d)"
trap 'kill "$anvil_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

anvil --host 127.0.0.1 --port "$port" --silent &
anvil_pid=$!
for _ in $(seq 50); do cast chain-id --rpc-url "$RPC" >/dev/null 2>&1 && break; sleep 0.1; done
echo "== anvil on $RPC (pid $anvil_pid)"

DEPLOYER_KEY="$(key 0)"
mkdir -p "$root/.devnet"
AOS_DEPLOYMENTS_OUT="$root/.devnet/deployments.json" forge script script/Deploy.s.sol \
  --rpc-url "$RPC" --broadcast --private-key "$DEPLOYER_KEY" -q >/dev/null
dep() { python3 -c "import json,sys; print(json.load(open('$root/.devnet/deployments.json'))['$1'])"; }
MARKET="$(dep taskMarket)"; REGISTRY="$(dep agentRegistry)"; KARMA="$(dep karmaRegistry)"; COURT="$(dep disputeCourt)"
echo "== deployed: TaskMarket $MARKET, AgentRegistry $REGISTRY, KarmaRegistry $KARMA, DisputeCourt $COURT"

TOTAL_GAS=0
# send LABEL KEY TO SIG ARGS... [--value V]: sends, prints gasUsed, fails loudly on revert
send() {
  local label="$1" k="$2"; shift 2
  local out
  if ! out="$(cast send --rpc-url "$RPC" --private-key "$k" --json "$@" 2>&1)"; then
    echo "!! $label reverted: $out" >&2; exit 1
  fi
  local gas status
  gas="$(python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(int(r["gasUsed"],16))' <<<"$out")"
  status="$(python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(int(r["status"],16))' <<<"$out")"
  [ "$status" = 1 ] || { echo "!! $label failed: $out" >&2; exit 1; }
  TOTAL_GAS=$((TOTAL_GAS + gas))
  printf '   %-34s gasUsed %7d\n' "$label" "$gas"
}
eth() { cast balance --rpc-url "$RPC" --ether "$1"; }
expect() { [ "$1" = "$2" ] || { echo "!! check failed: $3: got $1, want $2" >&2; exit 1; }; }

# register ACCOUNT_KEY: a fresh Ed25519 agent key (openssl), binding signature over
# abi.encodePacked("AOS-AGENT-BINDING-v1", chainId, registry, account) (IAgentRegistry)
register() {
  local k="$1" a pem pub msg sig
  a="$(addr "$k")"; pem="$work/$a.pem"
  openssl genpkey -algorithm ed25519 -out "$pem" 2>/dev/null
  pub="0x$(openssl pkey -in "$pem" -pubout -outform DER | tail -c 32 | xxd -p -c 64)"
  msg="$(cast call --rpc-url "$RPC" "$REGISTRY" 'bindingMessage(address)(bytes)' "$a")"
  xxd -r -p <<<"${msg#0x}" > "$work/$a.msg"
  sig="0x$(openssl pkeyutl -sign -rawin -inkey "$pem" -in "$work/$a.msg" | xxd -p -c 128)"
  send "register agent $(cut -c1-10 <<<"$a")" "$k" "$REGISTRY" 'register(bytes32,bytes32,bytes)' "$pub" \
    "$(cast keccak "manifest:$a")" "$sig"
}

PARAMS_T='(address,address,uint128,uint16,uint16,uint40,uint40,uint32,uint8,uint64,uint64,bytes32,bytes32,bytes32,uint96)'
DOMAIN="$(cast format-bytes32-string summarisation)"
ZERO32=0x0000000000000000000000000000000000000000000000000000000000000000
# params REQUESTER PAYMENT_WEI SALT: the task's terms as a cast tuple (ETH, 10% stake, no fee)
params() {
  local now; now="$(cast block --rpc-url "$RPC" latest -f timestamp)"
  echo "($1,0x0000000000000000000000000000000000000000,$2,1000,0,$((now + 3600)),$((now + 7200)),3600,2,0,0,$DOMAIN,$(cast keccak "spec-$3"),$ZERO32,$3)"
}
stake_of() { cast call --rpc-url "$RPC" "$MARKET" "stakeOf($PARAMS_T)(uint256)" "$1" | cut -d' ' -f1; }
task_id() { cast call --rpc-url "$RPC" "$MARKET" "taskIdOf($PARAMS_T)(bytes32)" "$1"; }
status_of() { cast call --rpc-url "$RPC" "$MARKET" 'taskState(bytes32)((address,uint8,uint40,uint8,uint8,uint32))' "$1" | cut -d, -f2 | tr -d ' '; }

REQ_KEY="$(key 1)"; REQ="$(addr "$REQ_KEY")"
W_KEY="$(key 2)"; W="$(addr "$W_KEY")"
PAY=50000000000000000 # 0.05 ETH

# lifecycle KEY_OF_WORKER SALT: post → claim → submit → accept → withdraw
lifecycle() {
  local wk="$1" salt="$2" p id stake
  p="$(params "$REQ" "$PAY" "$salt")"; id="$(task_id "$p")"; stake="$(stake_of "$p")"
  send "postTask (0.05 ETH escrow)" "$REQ_KEY" "$MARKET" "postTask($PARAMS_T)" "$p" --value "$PAY"
  send "claim (stake $stake wei)" "$wk" "$MARKET" "claim($PARAMS_T)" "$p" --value "$stake"
  send "submit (result hash)" "$wk" "$MARKET" 'submit(bytes32,bytes32)' "$id" "$(cast keccak "result-$salt")"
  send "accept" "$REQ_KEY" "$MARKET" "accept($PARAMS_T)" "$p"
  expect "$(status_of "$id")" 8 "task $id Accepted"
  send "withdraw" "$wk" "$MARKET" 'withdraw(address,address)' 0x0000000000000000000000000000000000000000 "$(addr "$wk")"
}

echo "== 1. one task lifecycle (cast)"
register "$W_KEY"
req0="$(eth "$REQ")"; w0="$(eth "$W")"
TOTAL_GAS=0
lifecycle "$W_KEY" 1
first_gas=$TOTAL_GAS
TOTAL_GAS=0
lifecycle "$W_KEY" 2
steady_gas=$TOTAL_GAS
req1="$(eth "$REQ")"; w1="$(eth "$W")"
echo "   requester $REQ: $req0 → $req1 ETH"
echo "   worker    $W: $w0 → $w1 ETH"
echo "   worker karma (accuracy, completion WAD): $(cast call --rpc-url "$RPC" "$KARMA" 'scores(address,bytes32)(uint256,uint256)' "$W" "$DOMAIN" | tr '\n' ' ')"
echo "   lifecycle gas (receipts, 5 txs): first time $first_gas, steady state $steady_gas"
python3 - "$req0" "$req1" "$w0" "$w1" <<'PY'
import sys
from decimal import Decimal as D
r0, r1, w0, w1 = map(D, sys.argv[1:])
assert r0 - r1 >= D("0.1"), f"requester paid {r0 - r1}"
assert w1 > w0, "worker earned nothing"
PY
echo "== lifecycle OK"

if [ "${AOS_DEVNET_SKIP_DISPUTE:-0}" != 1 ]; then
  # shellcheck source=script/devnet-dispute.sh
  source "$root/script/devnet-dispute.sh"
fi

if [ "${AOS_DEVNET_SKIP_ASK:-0}" != 1 ]; then
  echo "== 3. a real request through the coordinator (local model: plan, route, answer)"
  model="$("$root/script/fetch-model.sh")"
  cargo build -q -p aos-coordinator
  "$CARGO_TARGET_DIR/debug/aos-coordinator" ask "$(cat "$root/examples/request.txt")" \
    --file "$root/examples/incident-report.txt" --model "$model" --threads 1
  echo "== request OK"
fi
