import { describe, expect, it } from "vitest";
import { contentId } from "./blobs";

describe("contentId", () => {
  it("is the BLAKE3 of the bytes, as aos-protocol's ContentId::of", () => {
    // BLAKE3 test vector for "abc" (the reference implementation's README).
    expect(contentId(new TextEncoder().encode("abc"))).toBe(
      "0x6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
    );
    expect(contentId(new Uint8Array())).toBe(
      "0xaf1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    );
  });
});
