import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../emulator/redis-launcher.js";
import { harnessKeys, post, startHarness, type Harness } from "../harness.js";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    functions: ["chat"],
    env: { CHAT_MAX_MESSAGES: "4", CHAT_MAX_INPUT_CHARS: "1000", CHAT_MAX_TOKENS: "64" },
  });
});
afterAll(() => harness.close());

const completions = (body: unknown, key?: string) => harness.app.request("/v1/chat/completions", post(body, key));

/** OpenAI's error body, what OpenAI clients parse; returns its `error`. */
async function expectOpenAIError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { message: string; type: string; param: string | null; code: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(typeof body.error.type).toBe("string");
  expect(body.error).toHaveProperty("param");
  return body.error;
}

const hello = [{ role: "user", content: "Hello there" }];

describe("POST /v1/chat/completions: validation and bounds", () => {
  it("answers a non-streamed completion with the engine's JSON plus an archive object", async () => {
    const response = await completions({ messages: [{ role: "user", content: [{ type: "text", text: "Tell me about pelicans" }] }] });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ object: "chat.completion", model: harness.engine.engine.model, archive: { session_id: null, retrieved: [] } });
    expect(body.choices[0].message.content).toContain("pelicans");
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("rejects malformed JSON with 400 in OpenAI's format", async () => {
    await expectOpenAIError(await completions("{nope"), 400, "invalid_json");
  });

  it("rejects a wrong shape with 422 naming the field", async () => {
    const missing = await expectOpenAIError(await completions({ messages: [] }), 422, "validation_failed");
    expect(missing.param).toBe("messages");
    // An image part must carry its image (parts pass to the engine as sent).
    const image = await expectOpenAIError(await completions({ messages: [{ role: "user", content: [{ type: "image_url" }] }] }), 422, "validation_failed");
    expect(image.param).toBe("messages.0.content.0.image_url");
    const role = await expectOpenAIError(await completions({ messages: [{ role: "wizard", content: "hi" }] }), 422, "validation_failed");
    expect(role.param).toBe("messages.0.role");
  });

  it("bounds max_tokens and n (422)", async () => {
    const tokens = await expectOpenAIError(await completions({ messages: hello, max_tokens: 65 }), 422, "validation_failed");
    expect(tokens.param).toBe("max_tokens");
    expect(tokens.message).toMatch(/at most 64/);
    const completionTokens = await expectOpenAIError(await completions({ messages: hello, max_completion_tokens: 1000 }), 422, "validation_failed");
    expect(completionTokens.param).toBe("max_completion_tokens");
    const n = await expectOpenAIError(await completions({ messages: hello, n: 0 }), 422, "validation_failed");
    expect(n.param).toBe("n");
    expect((await completions({ messages: hello, max_tokens: 64, n: 2 })).status).toBe(200);
  });

  it("bounds the message count (400) and the total characters (413) with an actionable message", async () => {
    const many = Array.from({ length: 5 }, () => ({ role: "user", content: "hi" }));
    const count = await expectOpenAIError(await completions({ messages: many }), 400, "too_many_messages");
    expect(count.message).toMatch(/at most 4 messages/);
    const large = await expectOpenAIError(await completions({ messages: [{ role: "user", content: "x".repeat(1001) }] }), 413, "input_too_large");
    expect(large.message).toMatch(/1001 characters; the limit is 1000/);
    expect(large.param).toBe("messages");
  });

  it("maps an unknown model to OpenAI's 404 model_not_found", async () => {
    const error = await expectOpenAIError(await completions({ model: "gpt-17", messages: hello }), 404, "model_not_found");
    expect(error.type).toBe("not_found_error");
    expect(error.param).toBe("model");
    expect(error.message).toContain("gpt-17");
    const streamed = await completions({ model: "gpt-17", messages: hello, stream: true });
    await expectOpenAIError(streamed, 404, "model_not_found");
  });

  it("passes other engine 4xx through with their status and message", async () => {
    // The engine (like vLLM) refuses stream_options on a non-streamed request.
    const error = await expectOpenAIError(
      await completions({ messages: hello, stream_options: { include_usage: true } }),
      400,
      "engine_400",
    );
    expect(error.param).toBe("stream_options");
    expect(error.message).toMatch(/stream/i);
  });

  it("rejects a malformed X-Session-Id", async () => {
    const response = await harness.app.request("/v1/chat/completions", post({ messages: hello }, harnessKeys.alice, { "x-session-id": "no spaces allowed" }));
    const error = await expectOpenAIError(response, 422, "validation_failed");
    expect(error.param).toBe("X-Session-Id");
  });

  it("answers a bad key with OpenAI's 401", async () => {
    const error = await expectOpenAIError(await completions({ messages: hello }, "wrong-key-0000000"), 401, "unauthorized");
    expect(error.type).toBe("authentication_error");
  });
});

describe("GET /v1/models", () => {
  it("lists the engine's models through the pool", async () => {
    const response = await harness.app.request("/v1/models", { headers: { authorization: `Bearer ${harnessKeys.alice}` } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.object).toBe("list");
    expect(body.data.map((model: { id: string }) => model.id)).toEqual([harness.engine.engine.model]);
  });
});

describe("POST /chat", () => {
  it("answers {response, engine, session_id}, generating a session id when none is given", async () => {
    const response = await harness.app.request("/chat", post({ message: "What do axolotls eat?" }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(["engine", "response", "session_id"]);
    expect(body.engine).toBe(harness.engine.engine.model);
    expect(body.response).toContain("axolotls");
    expect(body.session_id).toMatch(/^[0-9A-Z]{26}$/);
    expect(response.headers.get("x-archive-session")).toBe(body.session_id);
  });

  it("rejects an empty message with a 400 problem", async () => {
    const response = await harness.app.request("/chat", post({ message: "   " }));
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect((await response.json()).code).toBe("empty_message");
  });

  it("answers a missing message with a 422 problem and a too long one with 413", async () => {
    const missing = await harness.app.request("/chat", post({ text: "hi" }));
    expect(missing.status).toBe(422);
    expect((await missing.json()).errors[0].path).toBe("message");
    const large = await harness.app.request("/chat", post({ message: "y".repeat(1001) }));
    expect(large.status).toBe(413);
    expect(large.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("pool failures", () => {
  it("passes the pool's 429 through with Retry-After, in OpenAI's format", async () => {
    const busy = await startHarness({
      functions: ["chat"],
      engine: { firstTokenDelayMs: 400 },
      env: { INFERENCE_QUEUE_SIZE: "0" },
    });
    try {
      const endpoints = [{ url: busy.engine.url, maxConcurrency: 1 }];
      const limited = await startHarness({ functions: ["chat"], endpoints, env: { INFERENCE_QUEUE_SIZE: "0" } });
      try {
        const first = limited.app.request("/v1/chat/completions", post({ model: busy.engine.engine.model, messages: hello }));
        await new Promise((resolve) => setTimeout(resolve, 50));
        const second = await limited.app.request("/v1/chat/completions", post({ model: busy.engine.engine.model, messages: hello }));
        const error = await expectOpenAIError(second, 429, "too_many_requests");
        expect(error.type).toBe("rate_limit_error");
        expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect((await first).status).toBe(200);
      } finally {
        await limited.close();
      }
    } finally {
      await busy.close();
    }
  });

  it("answers 503 when no engine answers", async () => {
    const dead = await startHarness({ functions: ["chat"], endpoints: [{ url: `http://127.0.0.1:${await freePort()}`, maxConcurrency: 4 }] });
    try {
      const error = await expectOpenAIError(
        await dead.app.request("/v1/chat/completions", post({ model: "any", messages: hello })),
        503,
        "inference_unavailable",
      );
      expect(error.type).toBe("server_error");
      const chat = await dead.app.request("/chat", post({ message: "hello" }));
      expect(chat.status).toBe(503);
      expect(chat.headers.get("content-type")).toBe("application/problem+json");
    } finally {
      await dead.close();
    }
  });
});
