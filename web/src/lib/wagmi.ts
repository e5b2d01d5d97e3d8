// The wallet plumbing, all wagmi's: the `injected` connector plus EIP-6963 discovery
// (`multiInjectedProviderDiscovery`, on by default), so MetaMask, Brave, Rabby and any other
// announcing wallet appear by name. Reads use the deployment's chain over `/rpc`.
import { createConfig, http, injected } from "wagmi";
import type { AppConfig } from "./config";
import { chainOf } from "./config";

export function wagmiConfig(c: AppConfig) {
  const chain = chainOf(c);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http() },
    pollingInterval: 1_000,
  });
}
