import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEngineServer } from "../engine-server.js";
import { createInferencePool, type InferencePool } from "../../gpu/pool.js";
import type { Completion } from "../../gpu/openai-types.js";
import { loadConfig } from "../../functions/compose.js";
import { measurePerplexity, PerplexityUnavailable } from "../../functions/memory/perplexity.js";
import { normalizedPerplexity, noveltyFrom, perplexityFromCompletion, surpriseScore } from "../../functions/memory/scoring.js";

const defaults = { weightPerplexity: 0.6, weightNovelty: 0.4 };
const threshold = 0.7;

describe("surprise score (Archive-AI's formula, normalized distance)", () => {
  it("reproduces the original's worked examples", () => {
    // checkpoint-gpu-testing: no memories yet, so novelty is 1.
    const smallTalk = surpriseScore(4.22, noveltyFrom(undefined), defaults);
    expect(smallTalk).toBeCloseTo(0.598, 3);
    expect(smallTalk >= threshold).toBe(false);
    const nonsense = surpriseScore(41.8, noveltyFrom(undefined), defaults);
    expect(nonsense).toBeCloseTo(0.851, 3);
    expect(nonsense >= threshold).toBe(true);
    // checkpoint 2.5's unit examples, with the second number now a normalized distance (0..1).
    expect(surpriseScore(5, 0.1, defaults)).toBeCloseTo(0.255, 3);
    expect(surpriseScore(50, 0.9, defaults)).toBeCloseTo(0.832, 3);
    // Novelty from a similarity of 0.5 on the index's (1 + cos) / 2 scale: an orthogonal memory.
    expect(noveltyFrom(0.5)).toBe(0.5);
    expect(surpriseScore(15, noveltyFrom(0.5), defaults)).toBeCloseTo(0.533, 3);
  });

  it("keeps novelty in 0..1 and the score within the weights (the original could exceed 1)", () => {
    expect(noveltyFrom(1)).toBe(0);
    expect(noveltyFrom(0)).toBe(1);
    expect(surpriseScore(1e9, noveltyFrom(0), defaults)).toBeCloseTo(1, 12);
    expect(normalizedPerplexity(Math.exp(5) - 1)).toBeCloseTo(1, 12);
    expect(normalizedPerplexity(null)).toBe(0);
  });

  it("uses the configured weights", () => {
    expect(surpriseScore(41.8, 1, { weightPerplexity: 1, weightNovelty: 0 })).toBeCloseTo(Math.log(42.8) / 5, 9);
  });
});

/** The emulated engine's answer for "Hello! How are you today?" with echo, logprobs and one generated token. */
const recorded: Pick<Completion, "choices" | "usage"> = {
  choices: [
    {
      index: 0,
      text: "Hello! How are you today? I",
      finish_reason: "length",
      logprobs: {
        tokens: ["Hello", "!", " How", " are", " you", " today", "?", " I"],
        token_logprobs: [null, -1.2, -2.1, -0.9, -0.4, -2.6, -1.3, -0.1],
        text_offset: [0, 5, 6, 10, 14, 18, 24, 25],
        top_logprobs: null,
      },
    },
  ],
  usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 },
};
const prompt = "Hello! How are you today?";
const promptOnly = Math.exp(-(-1.2 - 2.1 - 0.9 - 0.4 - 2.6 - 1.3) / 6);

describe("perplexity from prompt logprobs", () => {
  it("averages the prompt's tokens only: not the null first token, not the generated one", () => {
    expect(perplexityFromCompletion(recorded, prompt)).toBeCloseTo(promptOnly, 9);
    const withGenerated = Math.exp(-(-1.2 - 2.1 - 0.9 - 0.4 - 2.6 - 1.3 - 0.1) / 7);
    expect(perplexityFromCompletion(recorded, prompt)).not.toBeCloseTo(withGenerated, 3);
  });

  it("finds the prompt boundary by text_offset when the engine reports no usage", () => {
    expect(perplexityFromCompletion({ choices: recorded.choices }, prompt)).toBeCloseTo(promptOnly, 9);
  });

  it("has no perplexity for a one-token message (nothing is conditioned on anything)", () => {
    const single: Pick<Completion, "choices" | "usage"> = {
      choices: [{ index: 0, text: "hi there", finish_reason: "length", logprobs: { tokens: ["hi", " there"], token_logprobs: [null, -1], text_offset: [0, 2], top_logprobs: null } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    expect(perplexityFromCompletion(single, "hi")).toBeNull();
  });
});

describe("perplexity from the emulated engine through the pool", () => {
  let engine: Awaited<ReturnType<typeof startEngineServer>>;
  let pool: InferencePool;
  beforeAll(async () => {
    engine = await startEngineServer();
    const config = loadConfig({ INFERENCE_ENDPOINTS: engine.url });
    pool = createInferencePool({ endpoints: config.inference.endpoints, config: config.inference });
  });
  afterAll(async () => {
    pool.close();
    await engine.close();
  });

  it("scores small talk low and rare names high, as a real model would", async () => {
    const smallTalk = await measurePerplexity(pool, "Hello! How are you today?");
    expect(smallTalk).toBeGreaterThan(3.5);
    expect(smallTalk).toBeLessThan(5);
    const rare = await measurePerplexity(pool, "My sister Margarethe lives in Tromsø and keeps bees.");
    expect(rare).toBeGreaterThan(40);
    expect(surpriseScore(smallTalk, 1, defaults)).toBeLessThan(threshold);
    expect(surpriseScore(rare, 1, defaults)).toBeGreaterThanOrEqual(threshold);
  });

  it("gives up on text the engine rejects, and retries when no engine answers", async () => {
    const tooLong = "word ".repeat(20_000);
    const rejected = await measurePerplexity(pool, tooLong).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(PerplexityUnavailable);
    expect((rejected as PerplexityUnavailable).isRetryable).toBe(false);

    const config = loadConfig({ INFERENCE_ENDPOINTS: "http://127.0.0.1:9", INFERENCE_CONNECT_TIMEOUT_MS: "300" });
    const dead = createInferencePool({ endpoints: config.inference.endpoints, config: { ...config.inference, model: "archive-emulated-1" } });
    try {
      const down = await measurePerplexity(dead, "Hello there").catch((error: unknown) => error);
      expect(down).toBeInstanceOf(PerplexityUnavailable);
      expect((down as PerplexityUnavailable).isRetryable).toBe(true);
    } finally {
      dead.close();
    }
  });
});
