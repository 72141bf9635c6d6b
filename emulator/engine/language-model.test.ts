import { describe, expect, it } from "vitest";
import { createLanguageModel, getLanguageModel, perplexity } from "./language-model.js";
import { tokenize } from "./tokenize.js";

const model = getLanguageModel();

function perplexityOf(text: string): number {
  return perplexity(model.scoreText(text).map((scored) => scored.logprob));
}

describe("tokenize", () => {
  it("splits words, clitics and punctuation and keeps every character", () => {
    const text = "Hello! How's   John's 7f3a-id?\n ";
    const tokens = tokenize(text);
    expect(tokens.map((token) => token.text)).toEqual([
      "Hello", "!", " How", "'s", "   John", "'s", " 7f3a", "-", "id", "?", "\n ",
    ]);
    expect(tokens.map((token) => token.text).join("")).toBe(text);
    for (const token of tokens) expect(text.slice(token.offset, token.offset + token.text.length)).toBe(token.text);
  });
});

describe("calibration (perplexity = exp(-mean prompt logprob), first token excluded)", () => {
  it("scores everyday English like a small instruct model", () => {
    const value = perplexityOf("Hello! How are you today?");
    expect(value).toBeGreaterThanOrEqual(3);
    expect(value).toBeLessThanOrEqual(10);
  });

  it("keeps an ordinary factual sentence moderately low", () => {
    expect(perplexityOf("My sister lives in Berlin and works as a nurse.")).toBeLessThan(15);
  });

  it("scores nonsense far above everyday text", () => {
    expect(perplexityOf("Quantum flibbertigibbet zamboni")).toBeGreaterThan(30);
  });

  it("scores text full of rare names and ids well above ordinary sentences", () => {
    const rare = perplexityOf("Contact Wojciechowski at kx7-ops.internal port 48213 with key 9f8e7d6c5b4a.");
    const names = perplexityOf("Ngozi Adebayo-Okonkwo flew from Ouagadougou to Ulaanbaatar via Reykjavík.");
    expect(rare).toBeGreaterThan(50);
    expect(names).toBeGreaterThan(50);
  });

  it("generalises to everyday sentences it was not built around", () => {
    const sentences = [
      "Our team won the game on Saturday.",
      "Do you know a good place to eat near the station?",
      "Please send me the photos from the party.",
      "What time is it?",
    ];
    for (const sentence of sentences) expect(perplexityOf(sentence), sentence).toBeLessThan(25);
  });
});

describe("language model", () => {
  it("is deterministic across instances", () => {
    const text = "I usually drink coffee with milk in the morning.";
    const fresh = createLanguageModel();
    expect(fresh.scoreText(text)).toEqual(model.scoreText(text));
    expect(fresh.continueText("is", 12)).toEqual(model.continueText("is", 12));
  });

  it("gives the first token of a text no logprob and every other token a negative one", () => {
    const scored = model.scoreText("The train was late again.");
    expect(scored[0]?.logprob).toBeNull();
    for (const entry of scored.slice(1)) {
      expect(entry.logprob).toBeLessThan(0);
      expect(Number.isFinite(entry.logprob)).toBe(true);
    }
  });

  it("prefers likely continuations", () => {
    expect(model.logprob("thank", "you")).toBeGreaterThan(model.logprob("thank", "banana"));
    expect(model.logprob("the", "house")).toBeGreaterThan(model.logprob("the", "zxqv"));
    expect(model.logprob("in", "Berlin")).toBeGreaterThan(model.logprob("in", "Xkcdville"));
  });

  it("ranks candidates best first", () => {
    const candidates = model.topCandidates("thank", 3);
    expect(candidates).toHaveLength(3);
    expect(candidates[0]?.key).toBe("you");
    expect(candidates.map((candidate) => candidate.logprob)).toEqual(
      [...candidates.map((candidate) => candidate.logprob)].sort((a, b) => b - a),
    );
  });

  it("continues text greedily without looping and ends sentences", () => {
    const continuation = model.continueText("is", 16);
    expect(continuation.finished).toBe(true);
    expect([".", "!", "?"]).toContain(continuation.cores.at(-1));
    expect(model.continueText("the", 2).cores).toHaveLength(2);
  });
});
