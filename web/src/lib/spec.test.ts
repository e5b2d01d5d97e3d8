import { describe, expect, it } from "vitest";
import { buildSpec, validateSpec, type SpecForm } from "./spec";

const form: SpecForm = {
  taskType: "summarisation",
  prompt: "Summarise the outage.",
  paymentBase: 10_000_000_000_000_000n,
  currency: "ETH",
  decimals: 18,
  deadlineMs: 1_800_000,
  minChars: 40,
  maxChars: 800,
  requiredPatterns: ["certificate"],
  forbiddenPatterns: ["(?i)as an ai"],
  language: "eng",
  jsonSchema: "",
  requiredSkills: [],
  karmaMin: {},
};

describe("buildSpec", () => {
  it("builds a spec the protocol's JSON Schema accepts", async () => {
    const spec = buildSpec(form, 1_700_000_000_000, "abc");
    expect(await validateSpec(spec)).toEqual([]);
    expect(spec.acceptance?.checks).toHaveLength(4);
    expect(spec.payment).toEqual({ amount: "10000000000000000", currency: "ETH", decimals: 18 });
  });
  it("reports what the schema refuses", async () => {
    const spec = {
      ...buildSpec(form, 0, "x"),
      payment: { amount: "-1", currency: "eth", decimals: 18 },
    };
    const problems = await validateSpec(spec);
    expect(problems.join("\n")).toMatch(/payment/);
  });
  it("refuses a JSON Schema that is not JSON", () => {
    expect(() => buildSpec({ ...form, jsonSchema: "{" }, 0, "x")).toThrow(/not JSON/);
  });
});

describe("stakeOf", () => {
  it("rounds up like TaskMarket.stakeOf", async () => {
    const { stakeOf } = await import("./task");
    expect(stakeOf(10_000_000_000_000_000n, 1000)).toBe(1_000_000_000_000_000n);
    expect(stakeOf(10_001n, 1000)).toBe(1_001n); // 1000.1 → 1001
    expect(stakeOf(5n, 0)).toBe(0n);
  });
});

describe("currencyCode", () => {
  it("makes a token symbol a currency code the schema accepts", async () => {
    const { currencyCode } = await import("./spec");
    expect(currencyCode("USDC.e")).toBe("USDCE");
    expect(currencyCode("wstETH")).toBe("WSTETH");
    expect(currencyCode("🙂")).toBe("TOKEN");
  });
});
