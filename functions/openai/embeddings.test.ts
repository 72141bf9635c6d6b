import { describe, expect, it } from "vitest";
import { float32Base64 } from "./embeddings.js";

describe("float32Base64", () => {
  it("is OpenAI's encoding: the float32 values, little-endian, in base64", () => {
    const vector = Float32Array.from([1, -0.5, 0.1, 3.4e38, -1e-7]);
    const bytes = Uint8Array.from(atob(float32Base64(vector)), (character) => character.charCodeAt(0));
    const view = new DataView(bytes.buffer);
    expect(bytes).toHaveLength(20);
    expect(Array.from({ length: 5 }, (_, index) => view.getFloat32(index * 4, true))).toEqual(Array.from(vector));
    // 1.0f little-endian is 00 00 80 3f.
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0x80, 0x3f]);
  });

  it("encodes vectors longer than one String.fromCharCode call takes", () => {
    const vector = new Float32Array(40_000).map((_, index) => index);
    const bytes = Uint8Array.from(atob(float32Base64(vector)), (character) => character.charCodeAt(0));
    expect(new DataView(bytes.buffer).getFloat32(39_999 * 4, true)).toBe(39_999);
  });
});
