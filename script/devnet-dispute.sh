# Sourced by script/devnet.sh after the lifecycle (needs its functions and variables).
# One disputed task to a ruling, with cast: three jurors earn karma with real tasks, stake in
# the court, the requester rejects a result, 3 jurors are drawn, commit, reveal; after the
# appeal window the ruling is delivered and executed; seats are settled, stakes and fees move.
echo "== 2. one disputed task (cast)"
COURT_T='(address,uint8,uint8,uint8,uint8,uint40,bool)' # IDisputeCourt.Dispute
phase_of() { cast call --rpc-url "$RPC" "$COURT" "disputeOf(uint256)($COURT_T)" "$1" | cut -d, -f2 | tr -d ' '; }
ruling_of() { cast call --rpc-url "$RPC" "$COURT" "disputeOf(uint256)($COURT_T)" "$1" | cut -d, -f5 | tr -d ' '; }
deadline_of() { cast call --rpc-url "$RPC" "$COURT" "disputeOf(uint256)($COURT_T)" "$1" | cut -d, -f6 | awk '{print $1}'; }
warp_past() { # warp_past UNIX_SECONDS
  local now; now="$(cast block --rpc-url "$RPC" latest -f timestamp)"
  [ "$1" -ge "$now" ] && cast rpc --rpc-url "$RPC" evm_increaseTime $(( $1 - now + 1 )) >/dev/null
  cast rpc --rpc-url "$RPC" evm_mine >/dev/null
}
J_KEYS=("$(key 5)" "$(key 6)" "$(key 7)")
JUROR_STAKE=1000000000000000000 # 1 ETH each

echo "   jurors earn karma in '$(cast parse-bytes32-string "$DOMAIN")' with real tasks (2 each), then stake"
salt=100
for jk in "${J_KEYS[@]}"; do
  register "$jk"
  for _ in 1 2; do salt=$((salt + 1)); lifecycle "$jk" "$salt" >/dev/null; done
  send "court.join (1 ETH stake)" "$jk" "$COURT" 'join(uint256)' "$JUROR_STAKE" --value "$JUROR_STAKE"
done

declare -A BAL0
for jk in "${J_KEYS[@]}"; do BAL0[$jk]="$(eth "$(addr "$jk")")"; done
req0="$(eth "$REQ")"; w0="$(eth "$W")"

salt=$((salt + 1))
p="$(params "$REQ" "$PAY" "$salt")"; id="$(task_id "$p")"; stake="$(stake_of "$p")"
send "postTask" "$REQ_KEY" "$MARKET" "postTask($PARAMS_T)" "$p" --value "$PAY"
send "claim" "$W_KEY" "$MARKET" "claim($PARAMS_T)" "$p" --value "$stake"
send "submit" "$W_KEY" "$MARKET" 'submit(bytes32,bytes32)' "$id" "$(cast keccak "result-$salt")"
extra="$(cast abi-encode 'f(bytes32,address,address)' "$DOMAIN" "$REQ" "$W")"
bond="$(cast call --rpc-url "$RPC" "$COURT" 'arbitrationCost(bytes)(uint256)' "$extra" | cut -d' ' -f1)"
TOTAL_GAS=0
# evidence is a blob's BLAKE3 id; with cast only, stand-ins (like the result hash above)
verdict="$(cast keccak "verdict-$salt")"; reply="$(cast keccak "reply-$salt")"
send "reject (fee $bond wei + verdict)" "$REQ_KEY" "$MARKET" "reject($PARAMS_T,bytes32)" "$p" "$verdict" --value "$bond"
dispute="$(cast call --rpc-url "$RPC" "$COURT" 'disputeCount()(uint256)' | cut -d' ' -f1)" # ids start at 1
expect "$(cast call --rpc-url "$RPC" "$MARKET" 'taskOfDispute(uint256)(bytes32)' "$dispute")" "$id" "dispute $dispute is task $id"
expect "$(status_of "$id")" 4 "task Disputed"
gas_before_reply=$TOTAL_GAS # the worker's reply is not part of the dispute's gas figure
send "submitEvidence (worker's reply)" "$W_KEY" "$MARKET" "submitEvidence($PARAMS_T,bytes32)" "$p" "$reply"
TOTAL_GAS=$gas_before_reply
# ERC-1497-style Evidence(arbitrator, evidenceGroupId = uint256(taskId), party, evidence)
evidence_of() { # the task's Evidence logs as "party evidence" lines, in chain order
  cast logs --rpc-url "$RPC" --json --from-block 0 --address "$MARKET" \
    'Evidence(address indexed,uint256 indexed,address indexed,bytes32)' "" "$id" |
    python3 -c 'import json,sys; [print("0x"+l["topics"][3][-40:], l["data"]) for l in json.load(sys.stdin)]'
}
expect "$(evidence_of | tr 'A-F' 'a-f')" "$(printf '%s %s\n%s %s' "$REQ" "$verdict" "$W" "$reply" | tr 'A-F' 'a-f')" "evidence: the requester's verdict, then the worker's reply"
cast rpc --rpc-url "$RPC" evm_mine >/dev/null # the randomness target block
for _ in $(seq 20); do
  [ "$(phase_of "$dispute")" = 1 ] || break
  # gas is not estimated: the draw's work depends on the seed of the block it is mined in,
  # which differs from the block the estimate runs against (60 iterations ≈ 0.8M gas)
  send "court.draw (≤ 60 iterations)" "$(key 9)" "$COURT" 'draw(uint256,uint256)' "$dispute" 60 --gas-limit 3000000
done
expect "$(phase_of "$dispute")" 2 "all seats drawn, commit phase"

# the jurors all vote 2 ("worker wins"): the result was fine, the rejection was not
CHOICE=2
seated=()
for jk in "${J_KEYS[@]}"; do
  ja="$(addr "$jk")"
  state="$(cast call --rpc-url "$RPC" "$COURT" 'seatOf(uint256,uint256,address)((uint8,uint8,uint240))' "$dispute" 0 "$ja" | cut -d, -f1 | tr -d '( ')"
  [ "$state" = 1 ] && seated+=("$jk")
done
expect "${#seated[@]}" 3 "three jurors seated"
for jk in "${seated[@]}"; do
  ja="$(addr "$jk")"; jsalt="$(cast keccak "salt-$ja-$dispute")"
  c="$(cast call --rpc-url "$RPC" "$COURT" 'commitmentOf(uint256,uint256,address,uint256,bytes32)(bytes32)' "$dispute" 0 "$ja" "$CHOICE" "$jsalt")"
  send "court.commit $(cut -c1-10 <<<"$ja")" "$jk" "$COURT" 'commit(uint256,bytes32)' "$dispute" "$c"
done
expect "$(phase_of "$dispute")" 3 "reveal phase"
for jk in "${seated[@]}"; do
  ja="$(addr "$jk")"; jsalt="$(cast keccak "salt-$ja-$dispute")"
  send "court.reveal $(cut -c1-10 <<<"$ja")" "$jk" "$COURT" 'reveal(uint256,uint256,bytes32)' "$dispute" "$CHOICE" "$jsalt"
done
expect "$(phase_of "$dispute")" 4 "appeal window"
warp_past "$(deadline_of "$dispute")"
send "court.advance (appeal window over)" "$(key 9)" "$COURT" 'advance(uint256)' "$dispute"
expect "$(phase_of "$dispute")" 5 "solved"
expect "$(ruling_of "$dispute")" 2 "ruling: worker wins"
expect "$(status_of "$id")" 7 "task RuledForWorker"
send "market.executeRuling" "$(key 9)" "$MARKET" "executeRuling($PARAMS_T)" "$p"
expect "$(status_of "$id")" 12 "task Resolved"
dispute_gas=$TOTAL_GAS
for jk in "${seated[@]}"; do
  send "court.settle seat" "$(key 9)" "$COURT" 'settle(uint256,uint256,address)' "$dispute" 0 "$(addr "$jk")"
  send "court.withdraw (juror reward)" "$jk" "$COURT" 'withdraw(address,address)' 0x0000000000000000000000000000000000000000 "$(addr "$jk")"
done
send "market.withdraw (worker)" "$W_KEY" "$MARKET" 'withdraw(address,address)' 0x0000000000000000000000000000000000000000 "$W"

echo "   ruling 2 (worker wins): payment + stake to the worker; the requester's fee to the jurors"
echo "   requester $REQ: $req0 → $(eth "$REQ") ETH"
echo "   worker    $W: $w0 → $(eth "$W") ETH"
for jk in "${seated[@]}"; do
  ja="$(addr "$jk")"
  echo "   juror     $ja: ${BAL0[$jk]} → $(eth "$ja") ETH; jury karma $(cast call --rpc-url "$RPC" "$KARMA" 'scores(address,bytes32)(uint256,uint256)' "$ja" "$(cast format-bytes32-string jury)" | head -1 | cut -d' ' -f1)"
done
echo "   worker karma: $(cast call --rpc-url "$RPC" "$KARMA" 'karmaOf(address,bytes32)((uint64,uint64,uint40,uint32,uint24,uint24))' "$W" "$DOMAIN")"
echo "   dispute gas (reject → draw → 3 commits → 3 reveals → ruling → execution): $dispute_gas"
echo "== dispute OK"
