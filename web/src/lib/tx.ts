// Sending a contract call from the connected wallet: the chain is checked first, the call is
// simulated (a revert is decoded and shown before anything is signed), then signed, sent and
// awaited. One home for that sequence, used by every page.
import { useCallback, useState } from "react";
import type {
  Abi,
  ContractFunctionArgs,
  ContractFunctionName,
  Hex,
  TransactionReceipt,
} from "viem";
import { useAccount, useChainId, usePublicClient, useWalletClient } from "wagmi";
import { explain, type Explained } from "./errors";
import { useServices } from "./context";

export type TxPhase = "idle" | "checking" | "signing" | "mining" | "done" | "error";

export interface TxState {
  phase: TxPhase;
  hash?: Hex;
  error?: Explained;
  receipt?: TransactionReceipt;
}

/** The call a button sends. */
export interface Call<
  abi extends Abi,
  fn extends ContractFunctionName<abi, "nonpayable" | "payable">,
> {
  address: Hex;
  abi: abi;
  functionName: fn;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", fn>;
  value?: bigint;
}

/** A transaction sender with its state for the UI. */
export function useTx() {
  const { config } = useServices();
  const { address } = useAccount();
  const chainId = useChainId();
  const publicClient = usePublicClient();
  const { data: wallet } = useWalletClient();
  const [state, setState] = useState<TxState>({ phase: "idle" });

  const send = useCallback(
    async <abi extends Abi, fn extends ContractFunctionName<abi, "nonpayable" | "payable">>(
      call: Call<abi, fn>,
    ): Promise<TransactionReceipt | null> => {
      try {
        if (!address || !wallet || !publicClient) {
          setState({
            phase: "error",
            error: { kind: "other", message: "Connect a wallet first." },
          });
          return null;
        }
        const walletChain = await wallet.getChainId();
        if (walletChain !== config.chainId || chainId !== config.chainId) {
          setState({
            phase: "error",
            error: {
              kind: "wrong-chain",
              message: `Your wallet is on chain ${walletChain}, this market is on chain ${config.chainId}: switch network (button above) and try again.`,
            },
          });
          return null;
        }
        setState({ phase: "checking" });
        // Simulate first: a call that would revert is explained and never signed.
        const { request } = await publicClient.simulateContract({
          ...(call as unknown as Parameters<typeof publicClient.simulateContract>[0]),
          account: address,
        });
        setState({ phase: "signing" });
        const hash = await wallet.writeContract(
          request as Parameters<typeof wallet.writeContract>[0],
        );
        setState({ phase: "mining", hash });
        const receipt = await publicClient.waitForTransactionReceipt({ hash });
        if (receipt.status !== "success") {
          setState({
            phase: "error",
            hash,
            error: { kind: "revert", message: `Transaction ${hash} reverted on chain.` },
          });
          return null;
        }
        setState({ phase: "done", hash, receipt });
        return receipt;
      } catch (e) {
        setState({ phase: "error", error: explain(e) });
        return null;
      }
    },
    [address, wallet, publicClient, chainId, config.chainId],
  );

  return { state, send, reset: () => setState({ phase: "idle" }) };
}

/** Whether `call` would succeed for `account` now: `null` when it would, else why not. */
export async function wouldRevert(
  publicClient: NonNullable<ReturnType<typeof usePublicClient>>,
  call: Call<Abi, string>,
  account: Hex,
): Promise<string | null> {
  try {
    await publicClient.simulateContract({
      ...(call as unknown as Parameters<typeof publicClient.simulateContract>[0]),
      account,
    });
    return null;
  } catch (e) {
    return explain(e).message;
  }
}
