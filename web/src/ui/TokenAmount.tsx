// An ERC-20 amount in the token's own units (symbol and decimals read once per token with
// viem's standard erc20Abi). Loaded on demand: the first page stays small when every task
// pays in ETH.
import { useQuery } from "@tanstack/react-query";
import { type Address, erc20Abi, formatUnits } from "viem";
import { usePublicClient } from "wagmi";
import { amount } from "../lib/format";

export default function TokenAmount({ value, asset }: { value: string | bigint; asset: string }) {
  const publicClient = usePublicClient();
  const unit = useQuery({
    queryKey: ["token-unit", asset.toLowerCase()],
    enabled: !!publicClient,
    staleTime: Infinity,
    retry: false,
    queryFn: async () => {
      const [symbol, decimals] = await Promise.all([
        publicClient!.readContract({
          address: asset as Address,
          abi: erc20Abi,
          functionName: "symbol",
        }),
        publicClient!.readContract({
          address: asset as Address,
          abi: erc20Abi,
          functionName: "decimals",
        }),
      ]);
      return { symbol, decimals };
    },
  });
  const v = typeof value === "bigint" ? value : BigInt(value);
  return (
    <>
      {unit.data ? `${formatUnits(v, unit.data.decimals)} ${unit.data.symbol}` : amount(v, asset)}
    </>
  );
}
