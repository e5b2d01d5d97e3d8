// The test wallet: @johanneskares/wallet-mock's EIP-6963 provider backed by an anvil key,
// plus a bridge that keeps EIP-1193 error codes across Playwright's exposeFunction (which
// carries only an error's message): the Node side throws `EIP1193:<code>:<message>` and the
// page rethrows an error with that `code`, as a real wallet's provider would (4001 = the
// user rejected the request).
import { createWallet, installMockWallet } from "@johanneskares/wallet-mock";
import type { Page } from "@playwright/test";
import { type Chain, type Transport, custom, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devnet } from "./devnet";

export function devnetChain(): Chain {
  const d = devnet();
  return defineChain({
    id: d.chain_id,
    name: "AOS devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [d.rpc_url] } },
  });
}

/** Options of [`installWallet`]. */
export interface WalletOptions {
  /** The chain the wallet starts on (default: the devnet's). */
  startChain?: Chain;
  /** Refuse every transaction as a person pressing "Reject" would (EIP-1193 code 4001). */
  rejectTransactions?: boolean;
}

export async function installWallet(page: Page, privateKey: `0x${string}`, o: WalletOptions = {}) {
  const d = devnet();
  const account = privateKeyToAccount(privateKey);
  const transports: Record<number, Transport> = { [d.chain_id]: http(d.rpc_url) };
  const start = o.startChain ?? devnetChain();
  if (start.id !== d.chain_id) {
    // Another chain the wallet is on: it answers who it is and nothing else.
    transports[start.id] = custom({
      request: async ({ method }: { method: string }) => {
        if (method === "eth_chainId") return `0x${start.id.toString(16)}`;
        throw new Error(`EIP1193:4901:chain ${start.id} is not connected in this test wallet`);
      },
    });
  }
  const inner = createWallet(account, transports, start);
  const wallet: typeof inner = {
    request: async (args) => {
      if (o.rejectTransactions && args.method === "eth_sendTransaction") {
        throw new Error("EIP1193:4001:User rejected the request.");
      }
      if (args.method === "wallet_switchEthereumChain") {
        // the mock looks chains up in viem's list; the devnet is one it does not know by id
        const id = Number.parseInt((args.params?.[0] as { chainId: string }).chainId, 16);
        if (id !== d.chain_id && id !== start.id)
          throw new Error(`EIP1193:4902:unknown chain ${id}`);
      }
      if (args.method === "eth_sendTransaction") {
        // wallet-mock hands `value` to viem as it came (a hex string); viem wants a bigint,
        // and mis-encodes "0x0" (the value of every ERC-20 or non-payable call)
        const [tx, ...rest] = (args.params ?? []) as [{ value?: string }, ...unknown[]];
        const value = tx.value === undefined ? undefined : BigInt(tx.value);
        return inner.request({ ...args, params: [{ ...tx, value }, ...rest] });
      }
      return inner.request(args);
    },
  };
  await installMockWallet({ page, wallet, debug: !!process.env.AOS_E2E_WALLET_DEBUG });
  await page.addInitScript(() => {
    type Req = (r: unknown) => Promise<unknown>;
    const w = window as unknown as { eip1193Request: Req };
    const orig = w.eip1193Request;
    w.eip1193Request = async (r: unknown) => {
      try {
        return await orig(r);
      } catch (e) {
        const m = /EIP1193:(\d+):(.*)$/s.exec(e instanceof Error ? e.message : String(e));
        if (m) throw Object.assign(new Error(m[2]), { code: Number(m[1]) });
        throw e;
      }
    };
  });
}
