import { describe, expect, it } from "vitest";
import { sha256Hex, sha256HexOfBytes } from "./sha256.js";

const webCryptoHex = (text: string) => sha256HexOfBytes(new TextEncoder().encode(text));

describe("sha256Hex", () => {
  it("matches the FIPS 180-2 test vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("hashes bytes with Web Crypto to the same vectors", async () => {
    expect(await sha256HexOfBytes(new Uint8Array(0))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(await sha256HexOfBytes(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("agrees with Web Crypto across block boundaries and for multi-byte UTF-8", async () => {
    const inputs = [55, 56, 63, 64, 65, 119, 120, 1000].map((length) => "x".repeat(length));
    inputs.push("é漢字🙂\u0000turn", "turn\u0000alice\u0000family\u0000req-1\u0000My sister lives in Porto");
    for (const input of inputs) expect(sha256Hex(input)).toBe(await webCryptoHex(input));
  });
});
