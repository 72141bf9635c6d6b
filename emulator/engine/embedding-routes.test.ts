import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { embeddingDimensions } from "./index.js";
import { createTestEngine, engineOrigin, postJson } from "./test-support.js";

interface EmbeddingBody {
  object: string;
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

async function embed(input: string | string[]): Promise<EmbeddingBody> {
  const response = await postJson(createTestEngine(), "/v1/embeddings", { model: "archive-emulated-1", input });
  expect(response.status).toBe(200);
  return (await response.json()) as EmbeddingBody;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((total, value, index) => total + value * (b[index] ?? 0), 0);
}

describe("POST /v1/embeddings", () => {
  it("returns one unit-length vector per input in vLLM's list shape", async () => {
    const body = await embed(["My sister lives in Berlin.", "The warranty lasts two years."]);
    expect(body).toMatchObject({ object: "list", model: "archive-emulated-1" });
    expect(body.data.map((item) => [item.object, item.index])).toEqual([["embedding", 0], ["embedding", 1]]);
    for (const item of body.data) {
      expect(item.embedding).toHaveLength(embeddingDimensions);
      expect(Math.hypot(...item.embedding)).toBeCloseTo(1, 6);
    }
    expect(body.usage.prompt_tokens).toBe(6 + 6);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);
  });

  it("is deterministic and ranks overlapping texts closer", async () => {
    const body = await embed([
      "My sister lives in Berlin and works as a nurse.",
      "Where does my sister live? She lives in Berlin.",
      "The invoice for the printer cartridges is overdue.",
      "",
    ]);
    const [fact, question, unrelated, empty] = body.data.map((item) => item.embedding);
    if (!fact || !question || !unrelated || !empty) throw new Error("missing embeddings");
    expect(cosine(fact, question)).toBeGreaterThan(cosine(fact, unrelated) + 0.2);
    expect(Math.hypot(...empty)).toBeCloseTo(1, 6);
    const again = await embed("My sister lives in Berlin and works as a nurse.");
    expect(again.data[0]?.embedding).toEqual(fact);
  });

  it("serves base64 float32 to the openai SDK, which asks for it by default", async () => {
    const engine = createTestEngine();
    const openai = new OpenAI({
      apiKey: "unused",
      baseURL: `${engineOrigin}/v1`,
      maxRetries: 0,
      fetch: (input, init) => engine.fetch(new Request(input, init)),
    });
    const viaSdk = await openai.embeddings.create({ model: "archive-emulated-1", input: "Green tea in the morning." });
    const viaFloat = await embed("Green tea in the morning.");
    const expected = viaFloat.data[0]?.embedding ?? [];
    const decoded = viaSdk.data[0]?.embedding ?? [];
    expect(decoded).toHaveLength(embeddingDimensions);
    decoded.forEach((value, index) => expect(value).toBeCloseTo(expected[index] ?? Number.NaN, 6));
  });

  it("rejects a missing input and an unknown model", async () => {
    const engine = createTestEngine();
    expect((await postJson(engine, "/v1/embeddings", {})).status).toBe(400);
    expect((await postJson(engine, "/v1/embeddings", { model: "bge", input: "x" })).status).toBe(404);
  });
});
