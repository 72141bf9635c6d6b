import { describe, expect, it, vi } from "vitest";
import { createLocalEmbedder } from "./local-embedder.js";

// The real model, wrapped only to count loads and the size of each model call.
const observed = vi.hoisted(() => ({ loads: 0, batchSizes: [] as number[] }));
vi.mock("@energetic-ai/embeddings", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@energetic-ai/embeddings")>();
  return {
    ...actual,
    initModel: async (source?: Parameters<typeof actual.initModel>[0]) => {
      observed.loads++;
      const model = await actual.initModel(source);
      const embed = model.embed.bind(model) as (input: string[]) => Promise<number[][]>;
      model.embed = (async (input: string[]) => {
        observed.batchSizes.push(input.length);
        return embed(input);
      }) as typeof model.embed;
      return model;
    },
  };
});

const dot = (left: Float32Array, right: Float32Array) => left.reduce((sum, value, index) => sum + value * right[index]!, 0);

describe("local embedder (Universal Sentence Encoder lite)", () => {
  it("loads once for concurrent first calls and answers them in one model call", async () => {
    const embedder = createLocalEmbedder();
    const texts = Array.from({ length: 20 }, (_, index) => `note number ${index} about the garden`);
    const loadsBefore = observed.loads;
    observed.batchSizes.length = 0;
    const separate = await Promise.all(texts.map((text) => embedder.embed([text])));
    expect(observed.loads - loadsBefore).toBe(1);
    expect(observed.batchSizes).toEqual([20]);
    // Batching must not change the answer: each text gets the vector it gets alone.
    const together = await embedder.embed(texts);
    separate.forEach(([vector], index) => expect(dot(vector!, together[index]!)).toBeCloseTo(1, 4));
  });

  it("splits a burst into batches of at most 64 texts", async () => {
    const embedder = createLocalEmbedder();
    await embedder.embed(["warm up"]);
    observed.batchSizes.length = 0;
    const vectors = await Promise.all(Array.from({ length: 100 }, (_, index) => embedder.embed([`item ${index}`])));
    expect(vectors).toHaveLength(100);
    expect(observed.batchSizes).toEqual([64, 36]);
  });

  it("makes 512-d unit vectors where a paraphrase is closer than an unrelated sentence", async () => {
    const embedder = createLocalEmbedder();
    expect(embedder).toMatchObject({ id: "use-lite-512", dimension: 512 });
    const [question, paraphrase, unrelated] = await embedder.embed([
      "How do I reset my password?",
      "steps to change my login password",
      "The weather in Paris is sunny",
    ]);
    for (const vector of [question!, paraphrase!, unrelated!]) {
      expect(vector).toHaveLength(512);
      expect(dot(vector, vector)).toBeCloseTo(1, 5);
    }
    const close = dot(question!, paraphrase!);
    const far = dot(question!, unrelated!);
    expect(close).toBeGreaterThan(0.5);
    expect(far).toBeLessThan(0.3);
    expect(close - far).toBeGreaterThan(0.4);
  });

  it("refuses empty text (the model itself would crash the whole batch on it)", async () => {
    const embedder = createLocalEmbedder();
    await expect(embedder.embed(["fine", ""])).rejects.toMatchObject({ status: 400, code: "empty_text" });
    expect(await embedder.embed([])).toEqual([]);
  });
});
