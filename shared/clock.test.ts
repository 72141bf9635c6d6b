import { describe, expect, it } from "vitest";
import { createIdGenerator, ulidTime, ulidTimePart } from "./clock.js";

describe("ULID time part", () => {
  it("encodes epoch ms as the ULID spec does, and decodes it back", () => {
    expect(ulidTimePart(1469918176385)).toBe("01ARYZ6S41"); // the spec's example
    expect(ulidTime("01ARYZ6S41ZZZZZZZZZZZZZZZZ")).toBe(1469918176385);
    expect(ulidTimePart(0)).toBe("0000000000");
  });

  it("sorts as text in time order", () => {
    const times = [1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001];
    const parts = times.map(ulidTimePart);
    expect([...parts].sort()).toEqual(parts);
  });
});

describe("createIdGenerator", () => {
  it("makes 26-character ids that carry the clock's time and stay strictly ordered within one ms", () => {
    const ids = createIdGenerator({ now: () => 1_700_000_000_000 });
    const batch = Array.from({ length: 1000 }, () => ids.next());
    for (const id of batch) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(batch.map(ulidTime))).toEqual(new Set([1_700_000_000_000]));
    expect([...batch].sort()).toEqual(batch);
    expect(new Set(batch).size).toBe(batch.length);
  });
});
