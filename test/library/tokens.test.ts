import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { describe, expect, it } from "vitest";
import { countTokens, pretokenize } from "../../functions/library/tokens.js";
import { cpuMs } from "../cpu-time.js";

const reference = new Tiktoken(cl100k);

describe("countTokens", () => {
  it.each([
    "The lighthouse keepers rowed out every Thursday.",
    "Ünïcödé façade — naïve 🦊🦊 emoji, 中文文本测试, and numbers 1234567.",
    "  indented\n\n\tcode() { return x ?? 'y'; }\r\n",
    "INV-2024-001 https://example.com/a/b?c=d&e=f",
  ])("matches js-tiktoken cl100k_base for %j", (text) => {
    expect(countTokens(text)).toBe(reference.encode(text).length);
  });

  it("treats special-token text as plain text instead of throwing", () => {
    expect(countTokens("a <|endoftext|> b")).toBe(reference.encode("a <|endoftext|> b", [], []).length);
  });

  it("counts a 200 kB run without spaces in well under a second of CPU (js-tiktoken alone is quadratic)", () => {
    let count = 0;
    // CPU time, not wall-clock: on two shared cores the wall clock stretches with others' load.
    const used = cpuMs(() => {
      count = countTokens("abcdefghij".repeat(20_000));
    });
    expect(used).toBeLessThan(1000);
    expect(count).toBeGreaterThan(20_000);
  });
});

describe("pretokenize", () => {
  it("covers the text with contiguous pieces whose counts sum to the total", () => {
    const text = "Hello, world! Ünïcödé 🦊 text.";
    const pieces = pretokenize(text);
    expect(pieces.starts[0]).toBe(0);
    expect(pieces.ends[pieces.length - 1]).toBe(text.length);
    for (let index = 1; index < pieces.length; index += 1) expect(pieces.starts[index]).toBe(pieces.ends[index - 1]);
    expect(pieces.prefix[pieces.length]).toBe(countTokens(text));
  });

  it("never splits a surrogate pair when capping piece size", () => {
    const text = "🦊".repeat(100);
    const pieces = pretokenize(text, 5);
    for (let index = 0; index < pieces.length; index += 1) {
      expect(pieces.starts[index]! % 2).toBe(0);
      expect(pieces.prefix[index + 1]! - pieces.prefix[index]!).toBeLessThanOrEqual(5);
    }
  });
});
