// Display helpers: amounts (base units → ETH), bytes32 domains, times, WAD scores.
import { type Hex, formatEther, hexToString, isHex, stringToHex, zeroAddress } from "viem";

/** `summarisation` → bytes32, NUL-padded on the right (aos-chain `domain_to_bytes32`). */
export function domainToBytes32(domain: string): Hex {
  const bytes = new TextEncoder().encode(domain);
  if (bytes.length === 0 || bytes.length > 32 || bytes.includes(0)) {
    throw new Error(`domain "${domain}" must be 1 to 32 bytes of UTF-8 without NUL`);
  }
  return stringToHex(domain, { size: 32 });
}

/** bytes32 → the domain name, or the hex when it is not a NUL-padded name. */
export function bytes32ToDomain(b: Hex): string {
  if (!isHex(b)) return String(b);
  const s = hexToString(b, { size: 32 }).replace(/\0+$/, "");
  return s.includes("\0") ? b : s;
}

/** `0.01 ETH` for wei in ETH; base units and the token address otherwise. */
export function amount(
  wei: string | bigint | null | undefined,
  asset: string = zeroAddress,
): string {
  if (wei === null || wei === undefined) return "—";
  const v = typeof wei === "bigint" ? wei : BigInt(wei);
  return asset.toLowerCase() === zeroAddress
    ? `${formatEther(v)} ETH`
    : `${v} units of ${short(asset)}`;
}

/** `0x1234…abcd`. */
export function short(a: string): string {
  return a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}

/** A WAD fixed-point value (1e18 = 1.0) as a fraction. */
export function wad(v: string | bigint): number {
  const b = typeof v === "bigint" ? v : BigInt(v);
  return Number(b / 10n ** 12n) / 1e6;
}

/** `in 4 min` / `3 min ago` relative to `nowS` (unix seconds). */
export function relative(ts: number, nowS: number): string {
  const d = ts - nowS;
  const a = Math.abs(d);
  const t =
    a < 90
      ? `${a} s`
      : a < 5400
        ? `${Math.round(a / 60)} min`
        : a < 172800
          ? `${Math.round(a / 3600)} h`
          : `${Math.round(a / 86400)} d`;
  return d >= 0 ? `in ${t}` : `${t} ago`;
}

/** Local date and time of a unix timestamp. */
export function when(ts: number): string {
  return new Date(ts * 1000).toLocaleString();
}
