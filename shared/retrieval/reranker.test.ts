import { describe, expect, it } from "vitest";
import { createConfiguredReranker, createPoolReranker, type RerankRequest } from "./reranker.js";

const answering = (body: unknown, status = 200): RerankRequest => async () => Response.json(body, { status });

describe("createPoolReranker", () => {
  it("posts {model, query, documents} to /v1/rerank and returns scores by document position", async () => {
    const sent: { path: string; body: unknown }[] = [];
    const request: RerankRequest = async (path, init) => {
      sent.push({ path, body: JSON.parse(init.body) });
      // Sorted by score, as engines answer: the client must map by index.
      return Response.json({ results: [{ index: 1, relevance_score: 0.9 }, { index: 0, relevance_score: 0.2 }] });
    };
    const reranker = createPoolReranker({ request, model: "bge-reranker-v2-m3", timeoutMs: 1000 });
    expect(await reranker.rerank("tide tables", ["jam", "tide tables for May"])).toEqual([0.2, 0.9]);
    expect(sent).toEqual([{ path: "/v1/rerank", body: { model: "bge-reranker-v2-m3", query: "tide tables", documents: ["jam", "tide tables for May"] } }]);
    expect(await reranker.rerank("q", [])).toEqual([]);
  });

  it.each([
    ["an error status", answering({ error: { message: "boom" } }, 500)],
    ["too few results", answering({ results: [{ index: 0, relevance_score: 1 }] })],
    ["a repeated index", answering({ results: [{ index: 0, relevance_score: 1 }, { index: 0, relevance_score: 0.5 }] })],
    ["a missing score", answering({ results: [{ index: 0 }, { index: 1, relevance_score: 0.5 }] })],
    ["no JSON", async () => new Response("<html>", { status: 200 })],
    ["a transport failure", async () => Promise.reject(new TypeError("fetch failed"))],
  ] as [string, RerankRequest][])("rejects %s", async (_, request) => {
    const reranker = createPoolReranker({ request, model: "m", timeoutMs: 1000 });
    await expect(reranker.rerank("q", ["a", "b"])).rejects.toMatchObject({ code: "rerank_failed" });
  });

  it("gives up when its time budget is spent, aborting the request", async () => {
    let aborted = false;
    const request: RerankRequest = (_, init) =>
      new Promise((_resolve, reject) => init.signal.addEventListener("abort", () => ((aborted = true), reject(init.signal.reason))));
    const reranker = createPoolReranker({ request, model: "m", timeoutMs: 20 });
    await expect(reranker.rerank("q", ["a", "b"])).rejects.toMatchObject({ code: "rerank_failed" });
    expect(aborted).toBe(true);
  });

  it("exists only when RERANK_MODEL is set", () => {
    expect(createConfiguredReranker({ model: undefined, timeoutMs: 10 }, answering({}))).toBeUndefined();
    expect(createConfiguredReranker({ model: "m", timeoutMs: 10 }, answering({}))?.model).toBe("m");
  });
});
