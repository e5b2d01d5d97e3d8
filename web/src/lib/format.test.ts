import { describe, expect, it } from "vitest";
import { amount, bytes32ToDomain, domainToBytes32, wad } from "./format";

describe("domains", () => {
  it("pads names on the right like aos-chain's domain_to_bytes32", () => {
    const b = domainToBytes32("summarisation");
    expect(b).toBe("0x73756d6d617269736174696f6e00000000000000000000000000000000000000");
    expect(bytes32ToDomain(b)).toBe("summarisation");
  });
  it("refuses empty and over-long names", () => {
    expect(() => domainToBytes32("")).toThrow(/1 to 32 bytes/);
    expect(() => domainToBytes32("x".repeat(33))).toThrow(/1 to 32 bytes/);
  });
});

describe("amounts", () => {
  it("shows wei as ETH and WAD as a fraction", () => {
    expect(amount("10000000000000000")).toBe("0.01 ETH");
    expect(wad("750000000000000000")).toBe(0.75);
  });
});
