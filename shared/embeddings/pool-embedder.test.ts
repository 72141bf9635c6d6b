import { describe, expect, it } from "vitest";
import { AppError, isAppError } from "../errors.js";
import { createPoolEmbedder, type PoolRequest } from "./pool-embedder.js";

/** An OpenAI /v1/embeddings answer as vLLM sends it (trimmed to 4-d vectors). */
function openAiAnswer(embeddings: number[][], order?: number[]) {
  const data = embeddings.map((embedding, index) => ({ object: "embedding", index, embedding }));
  return {
    object: "list",
    data: order ? order.map((index) => data[index]) : data,
    model: "intfloat/e5-small",
    usage: { prompt_tokens: 7, total_tokens: 7 },
  };
}

function recordingRequest(answer: (input: string[]) => Response | Promise<Response>) {
  const calls: { path: string; method: string; body: { model: string; input: string[] } }[] = [];
  const request: PoolRequest = async (path, init) => {
    const body = JSON.parse(init.body) as { model: string; input: string[] };
    calls.push({ path, method: init.method, body });
    return answer(body.input);
  };
  return { calls, request };
}

const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

async function caught(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("pool embedder", () => {
  it("speaks the OpenAI wire format, normalizes, keeps input order and learns the dimension", async () => {
    const { calls, request } = recordingRequest((input) =>
      json(openAiAnswer(input.map((_, index) => [3 * (index + 1), 4 * (index + 1), 0, 0]), input.map((_, index) => input.length - 1 - index))),
    );
    const embedder = createPoolEmbedder({ request, model: "intfloat/e5-small" });
    expect(embedder.id).toBe("pool:intfloat/e5-small");
    expect(embedder.dimension).toBe(0);
    const vectors = await embedder.embed(["first", "second"]);
    expect(calls).toEqual([{ path: "/v1/embeddings", method: "POST", body: { model: "intfloat/e5-small", input: ["first", "second"] } }]);
    expect(vectors.map((vector) => Array.from(vector))).toEqual([
      [0.6000000238418579, 0.800000011920929, 0, 0],
      [0.6000000238418579, 0.800000011920929, 0, 0],
    ]);
    expect(embedder.dimension).toBe(4);
  });

  it("splits large inputs into several requests", async () => {
    const { calls, request } = recordingRequest((input) => json(openAiAnswer(input.map(() => [1, 0, 0, 0]))));
    const embedder = createPoolEmbedder({ request, model: "m", maxBatchSize: 2 });
    expect(await embedder.embed(["a", "b", "c", "d", "e"])).toHaveLength(5);
    expect(calls.map((call) => call.body.input)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it.each([
    { name: "a 503", response: () => new Response("overloaded", { status: 503 }), retryable: true, message: /503: overloaded/ },
    { name: "a 429", response: () => new Response("slow down", { status: 429 }), retryable: true, message: /429/ },
    { name: "a 404 (unknown model)", response: () => new Response("model not found", { status: 404 }), retryable: false, message: /404/ },
    { name: "a body that is not JSON", response: () => new Response("<html>", { status: 200 }), retryable: false, message: /not JSON/ },
    { name: "too few embeddings", response: () => json(openAiAnswer([[1, 0]])), retryable: false, message: /1 embeddings for 2 inputs/ },
    { name: "base64 embeddings", response: () => json({ data: [{ index: 0, embedding: "AAAA" }, { index: 1, embedding: "AAAA" }] }), retryable: false, message: /not a list of numbers/ },
    { name: "a zero vector", response: () => json(openAiAnswer([[0, 0], [1, 0]])), retryable: false, message: /all zeros/ },
  ])("turns $name into an AppError instead of garbage", async ({ response, retryable, message }) => {
    const embedder = createPoolEmbedder({ request: async () => response(), model: "m" });
    const error = await caught(embedder.embed(["a", "b"]));
    expect(isAppError(error)).toBe(true);
    expect(error).toMatchObject({ isRetryable: retryable });
    expect(String((error as AppError).message)).toMatch(message);
  });

  it("reports an unreachable engine as a retryable 503 and passes the pool's own errors through", async () => {
    const unreachable = createPoolEmbedder({ request: () => Promise.reject(new TypeError("fetch failed")), model: "m" });
    expect(await caught(unreachable.embed(["a"]))).toMatchObject({ status: 503, isRetryable: true, code: "embedder_unavailable" });
    const throttled = new AppError({ code: "too_many_requests", status: 429, title: "Too Many Requests", isRetryable: true });
    const busy = createPoolEmbedder({ request: () => Promise.reject(throttled), model: "m" });
    expect(await caught(busy.embed(["a"]))).toBe(throttled);
  });

  it("refuses an answer whose dimension differs from the configured or learned one", async () => {
    let dimension = 4;
    const embedder = createPoolEmbedder({ request: async (_path, init) => json(openAiAnswer((JSON.parse(init.body) as { input: string[] }).input.map(() => new Array(dimension).fill(1)))), model: "m" });
    await embedder.embed(["a"]);
    dimension = 8;
    expect(String(await caught(embedder.embed(["b"])))).toMatch(/8-d vector where 4-d/);
    const configured = createPoolEmbedder({ request: async () => json(openAiAnswer([[1, 1]])), model: "m", dimension: 3 });
    expect(String(await caught(configured.embed(["a"])))).toMatch(/2-d vector where 3-d/);
  });

  it("refuses empty text before calling the engine", async () => {
    const { calls, request } = recordingRequest(() => json(openAiAnswer([[1]])));
    const error = await caught(createPoolEmbedder({ request, model: "m" }).embed(["fine", "  "]));
    expect(error).toMatchObject({ status: 400, code: "empty_text" });
    expect(calls).toHaveLength(0);
  });
});

describe("pool embedder usage", () => {
  it("sums the engine's prompt tokens over the batches it sent", async () => {
    const { calls, request } = recordingRequest((input) => json({ ...openAiAnswer(input.map(() => [1, 0])), usage: { prompt_tokens: input.length * 3, total_tokens: input.length * 3 } }));
    const embedder = createPoolEmbedder({ request, model: "m", maxBatchSize: 2 });
    const result = await embedder.embedWithUsage(["a", "b", "c"]);
    expect(calls).toHaveLength(2);
    expect(result.vectors).toHaveLength(3);
    expect(result.tokens).toBe(9);
  });

  it("refuses to invent a count the engine did not give, while plain embedding still works", async () => {
    const { request } = recordingRequest((input) => json({ data: input.map((_, index) => ({ index, embedding: [1, 0] })) }));
    const embedder = createPoolEmbedder({ request, model: "m" });
    expect(await embedder.embed(["a"])).toHaveLength(1);
    expect(await caught(embedder.embedWithUsage(["a"]))).toMatchObject({ status: 503, code: "embedder_unavailable" });
  });
});
