import { describe, expect, it } from "vitest";
import { commitmentOf } from "./court";

describe("commitmentOf", () => {
  it("equals keccak256(abi.encode(choice, salt, juror, disputeId, round)) as cast computes it", () => {
    // cast keccak $(cast abi-encode "f(uint256,bytes32,address,uint256,uint256)" 2 0x11…11 \
    //   0x70997970C51812dc3A010C7d01b50e0d17dc79C8 7 1)
    expect(
      commitmentOf(
        2n,
        "0x1111111111111111111111111111111111111111111111111111111111111111",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        7n,
        1n,
      ),
    ).toBe("0xf1380b3feee29fd16ca35dfea0c0ca241e853269a09f07923275c058b268ed0b");
  });
});
