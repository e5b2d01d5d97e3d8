// A button for one contract call, offered only when a simulation for the connected account
// says the contract would accept it; otherwise the decoded reason is shown.
import { useQuery } from "@tanstack/react-query";
import type { Abi } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { type Call, useTx, wouldRevert } from "../lib/tx";
import { TxStatus } from "./Notice";

export function Gated({
  label,
  call,
  deps,
  onDone,
  disabled,
}: {
  label: string;
  call: Call<Abi, string>;
  /** Re-simulate when these change. */
  deps: readonly unknown[];
  onDone?: () => void;
  disabled?: boolean;
}) {
  const { address } = useAccount();
  const publicClient = usePublicClient();
  const tx = useTx();
  const why = useQuery({
    queryKey: [
      "gate",
      call.address,
      call.functionName,
      String(call.args),
      String(call.value),
      address,
      ...deps,
    ],
    enabled: !!address && !!publicClient,
    queryFn: () => wouldRevert(publicClient!, call, address!),
  });
  if (!address) return null;
  const busy =
    tx.state.phase === "checking" || tx.state.phase === "signing" || tx.state.phase === "mining";
  return (
    <div className="gated">
      {why.data === null ? (
        <button
          type="button"
          disabled={busy || disabled}
          onClick={() =>
            void tx.send(call).then((r) => {
              if (r) {
                void why.refetch();
                onDone?.();
              }
            })
          }
        >
          {label}
        </button>
      ) : (
        why.data && (
          <p className="small muted">
            {label}: not now — {why.data}
          </p>
        )
      )}
      <TxStatus state={tx.state} />
    </div>
  );
}
