import { describe, expect, it } from "vitest";
import { createTestEngine, postJson } from "./test-support.js";

interface RerankBody {
  id: string;
  model: string;
  usage: { total_tokens: number };
  results: { index: number; document: { text: string }; relevance_score: number }[];
}

describe("POST /v1/rerank", () => {
  it("scores every document against the query, best first, in vLLM's shape", async () => {
    const documents = ["The tide tables for May.", "Harbour tide tables and harbour fees for May.", "A recipe for plum jam."];
    const response = await postJson(createTestEngine(), "/v1/rerank", { model: "archive-emulated-1", query: "harbour tide tables", documents });
    expect(response.status).toBe(200);
    const body = (await response.json()) as RerankBody;
    expect(body).toMatchObject({ id: "rerank-test1", model: "archive-emulated-1" });
    expect(body.results.map((result) => result.index)).toEqual([1, 0, 2]);
    expect(body.results.map((result) => result.relevance_score)).toEqual([1, 2 / 3, 0]);
    expect(body.results[0]!.document.text).toBe(documents[1]);
    expect(body.usage.total_tokens).toBeGreaterThan(0);
  });

  it("honours top_n, accepts {text} documents and the other paths vLLM serves", async () => {
    const engine = createTestEngine();
    const response = await postJson(engine, "/rerank", { query: "jam", documents: [{ text: "plum jam" }, { text: "tide" }], top_n: 1 });
    const body = (await response.json()) as RerankBody;
    expect(body.results).toEqual([{ index: 0, document: { text: "plum jam" }, relevance_score: 1 }]);
    expect((await postJson(engine, "/v2/rerank", { query: "x", documents: [] })).status).toBe(200);
  });

  it("rejects a malformed body with 400 and an unknown model with 404", async () => {
    const engine = createTestEngine();
    expect((await postJson(engine, "/v1/rerank", { query: "x" })).status).toBe(400);
    expect((await postJson(engine, "/v1/rerank", { model: "bge-reranker", query: "x", documents: ["y"] })).status).toBe(404);
  });
});
