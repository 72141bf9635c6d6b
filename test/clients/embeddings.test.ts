import { createOpenAI } from "@ai-sdk/openai";
import { OpenAIEmbeddings } from "@langchain/openai";
import { embed, embedMany } from "ai";
import OpenAI, { BadRequestError, NotFoundError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey, startArchiveServer, type ArchiveServer } from "./archive-server.js";

/** `/v1/embeddings` through the three client libraries, with the default (local USE-lite) embedder. */
let archive: ArchiveServer;
const model = "use-lite-512";
const texts = ["How do I reset my password?", "steps to change my login password", "The weather in Paris is sunny"];
const dot = (left: readonly number[], right: readonly number[]) => left.reduce((sum, value, index) => sum + value * right[index]!, 0);

beforeAll(async () => {
  // The default embedder of a Node deployment, the one memory and the library use (the pool's is
  // covered on every runtime by test/contract/openai.ts).
  archive = await startArchiveServer({ env: { EMBEDDINGS: "local" } });
});
afterAll(() => archive?.close());

describe("embeddings: openai SDK", () => {
  const client = () => new OpenAI({ baseURL: archive.baseURL, apiKey: apiKey, maxRetries: 0 });

  it("gives the same vectors as floats and as base64, with usage and the model's name", async () => {
    const floats = await client().embeddings.create({ model, input: texts, encoding_format: "float" });
    const base64 = await client().embeddings.create({ model, input: texts });
    expect(floats.model).toBe(model);
    expect(floats.data.map((item) => item.embedding.length)).toEqual([512, 512, 512]);
    // The local model's last digits move with what it was batched with: equal up to that.
    base64.data.forEach((item, index) => expect(dot(item.embedding, floats.data[index]!.embedding)).toBeCloseTo(1, 5));
    expect(floats.usage.prompt_tokens).toBeGreaterThanOrEqual(texts.join(" ").split(" ").length);
    const [question, paraphrase, unrelated] = floats.data.map((item) => item.embedding);
    expect(dot(question!, paraphrase!)).toBeGreaterThan(dot(question!, unrelated!) + 0.3);
  });

  it("maps refusals to the SDK's error classes, naming the field", async () => {
    const wrongModel = await client().embeddings.create({ model: "text-embedding-3-small", input: "x" }).catch((error: unknown) => error);
    expect(wrongModel).toBeInstanceOf(NotFoundError);
    const shortened = await client().embeddings.create({ model, input: "x", dimensions: 256 }).catch((error: unknown) => error);
    expect(shortened).toBeInstanceOf(BadRequestError);
    expect(shortened).toMatchObject({ param: "dimensions", code: "unsupported_parameter" });
    const empty = await client().embeddings.create({ model, input: ["fine", " "] }).catch((error: unknown) => error);
    expect(empty).toBeInstanceOf(BadRequestError);
    expect(empty).toMatchObject({ param: "input[1]" });
  });
});

describe("embeddings: Vercel AI SDK", () => {
  it("embed and embedMany with openai.embedding(...) match the openai SDK's vectors", async () => {
    const provider = createOpenAI({ baseURL: archive.baseURL, apiKey: apiKey });
    const one = await embed({ model: provider.embedding(model), value: texts[0]!, maxRetries: 0 });
    const many = await embedMany({ model: provider.embedding(model), values: texts, maxRetries: 0 });
    const reference = await new OpenAI({ baseURL: archive.baseURL, apiKey: apiKey }).embeddings.create({ model, input: texts, encoding_format: "float" });
    expect(one.embedding).toHaveLength(512);
    expect(dot(one.embedding, reference.data[0]!.embedding)).toBeCloseTo(1, 5);
    expect(many.embeddings).toHaveLength(3);
    many.embeddings.forEach((vector, index) => expect(dot(vector, reference.data[index]!.embedding)).toBeCloseTo(1, 5));
    expect(many.usage.tokens).toBe(reference.usage.prompt_tokens);
  });
});

describe("embeddings: LangChain", () => {
  it("OpenAIEmbeddings embeds a query and documents", async () => {
    const embeddings = new OpenAIEmbeddings({ model, apiKey: apiKey, configuration: { baseURL: archive.baseURL }, maxRetries: 0 });
    const query = await embeddings.embedQuery(texts[0]!);
    const documents = await embeddings.embedDocuments(texts.slice(1));
    expect(query).toHaveLength(512);
    expect(documents).toHaveLength(2);
    expect(dot(query, documents[0]!)).toBeGreaterThan(dot(query, documents[1]!) + 0.3);
  });
});
