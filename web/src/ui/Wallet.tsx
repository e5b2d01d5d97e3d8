// Connecting: every wallet wagmi discovers (EIP-6963 announcements, named by the wallet
// itself) is offered by name; on the wrong chain the page offers to switch.
import {
  useAccount,
  useChainId,
  useConnect,
  useConnectors,
  useDisconnect,
  useSwitchChain,
} from "wagmi";
import { useServices } from "../lib/context";
import { explain } from "../lib/errors";
import { short } from "../lib/format";
import { ErrorNotice, Notice } from "./Notice";

export function Wallet() {
  const { config } = useServices();
  const { address, status, chainId: walletChain } = useAccount();
  const chainId = useChainId();
  const connectors = useConnectors();
  const { connect, error: connectError, isPending } = useConnect();
  const { disconnect } = useDisconnect();
  const { switchChain, error: switchError, isPending: switching } = useSwitchChain();

  if (status === "connected" && address) {
    const wrong = walletChain !== undefined && walletChain !== config.chainId;
    return (
      <div className="wallet">
        <span className="account" data-testid="account" title={address}>
          {short(address)}
        </span>
        <button type="button" className="secondary" onClick={() => disconnect()}>
          Disconnect
        </button>
        {wrong && (
          <Notice tone="warn" testId="wrong-chain">
            Your wallet is on chain {walletChain}; this market runs on chain {config.chainId}.{" "}
            <button
              type="button"
              disabled={switching}
              onClick={() => switchChain({ chainId: config.chainId })}
            >
              Switch to chain {config.chainId}
            </button>
          </Notice>
        )}
        {switchError && <ErrorNotice error={explain(switchError)} />}
        {!wrong && chainId !== config.chainId && (
          <Notice tone="warn">The page is reading chain {chainId}; reload it.</Notice>
        )}
      </div>
    );
  }
  // The plain `injected` connector duplicates the EIP-6963 ones when a wallet announces
  // itself; show it only when nothing announced.
  const announced = connectors.filter((c) => c.id !== "injected");
  const shown = announced.length ? announced : connectors;
  return (
    <div className="wallet">
      {shown.length === 0 && (
        <span>No browser wallet found: install one (MetaMask, Brave, Rabby…).</span>
      )}
      {shown.map((c) => (
        <button
          key={c.uid}
          type="button"
          disabled={isPending}
          onClick={() => connect({ connector: c })}
        >
          {c.icon && <img src={c.icon} alt="" width={16} height={16} />} Connect {c.name}
        </button>
      ))}
      {connectError && <ErrorNotice error={explain(connectError)} />}
    </div>
  );
}
