// An amount in its asset: ETH formatted at once, an ERC-20 through the lazily loaded
// TokenAmount (raw base units until it has read the token's symbol and decimals).
import { Suspense, lazy } from "react";
import { zeroAddress } from "viem";
import { amount } from "../lib/format";

const TokenAmount = lazy(() => import("./TokenAmount"));

export function Amount({ value, asset }: { value: string | bigint; asset: string }) {
  if (asset.toLowerCase() === zeroAddress) return <>{amount(value, asset)}</>;
  return (
    <Suspense fallback={amount(value, asset)}>
      <TokenAmount value={value} asset={asset} />
    </Suspense>
  );
}
